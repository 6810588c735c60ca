"""The portal question: the Northbound host from a short name, a host or a browser's host;
and a 404 at login, which says to use the region's host."""

import io

import pytest

from fusioncharge.errors import UnexpectedResponse
from fusioncharge.fusionsolar.replies import status_error
from tools.deploy.questions import Answer, Stopped, ask, check_portal, check_region, portal_note


@pytest.mark.parametrize(
    ("answer", "url"),
    [
        ("eu5", "https://eu5.fusionsolar.huawei.com"),
        ("AU5", "https://au5.fusionsolar.huawei.com"),
        ("jp5", "https://jp5.fusionsolar.huawei.com"),
        ("intl", "https://intl.fusionsolar.huawei.com"),
        ("https://la5.fusionsolar.huawei.com/", "https://la5.fusionsolar.huawei.com"),
        ("sg5.fusionsolar.huawei.com", "https://sg5.fusionsolar.huawei.com"),
        # What a browser shows after login: the web pages' host, mapped to the API's.
        ("region01eu5.fusionsolar.huawei.com", "https://eu5.fusionsolar.huawei.com"),
        (
            "https://uni004eu5.fusionsolar.huawei.com/pvmswebsite/",
            "https://eu5.fusionsolar.huawei.com",
        ),
        ("uni001au5", "https://au5.fusionsolar.huawei.com"),
    ],
)
def test_any_regional_name_or_host_is_the_northbound_host(answer, url):
    assert check_portal(answer) == url


@pytest.mark.parametrize("answer", ["", "fusionsolar", "intl.example.com", "eu5.huawei.com"])
def test_other_answers_are_asked_again(answer):
    with pytest.raises(Answer, match="short name"):
        check_portal(answer)


def test_a_browser_host_is_explained():
    note = portal_note("region01eu5.fusionsolar.huawei.com")
    assert note and "does not serve the Northbound API" in note and "eu5.fusionsolar" in note
    assert portal_note("eu5") is None


def test_a_region_typo_is_refused_with_the_likely_one():
    with pytest.raises(Answer, match="did you mean ap-southeast-2"):
        check_region("ap-southest-2")
    assert check_region(" eu-central-1 ") == "eu-central-1"


def test_a_404_at_login_names_the_wrong_host():
    error = status_error("login", 404, b"<html>Not Found</html>")
    assert isinstance(error, UnexpectedResponse)
    assert "This host does not serve the Northbound API: use your region's host" in str(error)


def test_ctrl_c_keeps_the_answers_so_far():
    given = iter(["eu-central-1", "eu5"])

    def prompt(_: str) -> str:
        try:
            return next(given)
        except StopIteration:
            raise KeyboardInterrupt from None

    with pytest.raises(Stopped) as stopped:
        ask(prompt, io.StringIO(), {})
    assert stopped.value.answers == {
        "region": "eu-central-1",
        "FusionSolarBaseUrl": "https://eu5.fusionsolar.huawei.com",
    }
