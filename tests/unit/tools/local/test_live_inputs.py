"""LIVE=1 defaults to the saved portal and plant, and asks for credentials without echo."""

from tools.local.live_inputs import ask_missing, saved_defaults

PORTAL = "https://au5.fusionsolar.huawei.com"
SAVED = f"""version = 0.1
[default.deploy.parameters]
region = "eu-west-1"
parameter_overrides = "FusionSolarBaseUrl=\\"{PORTAL}\\" Station=\\"Home\\""
"""


def test_the_saved_portal_and_plant_are_the_defaults(tmp_path, capsys):
    config = tmp_path / "samconfig.local.toml"
    config.write_text(SAVED)
    environ = {"STATION": "Shed"}  # what the environment says wins
    saved_defaults(environ, config)
    assert environ == {
        "STATION": "Shed",
        "FUSIONSOLAR_BASE_URL": "https://au5.fusionsolar.huawei.com",
    }
    assert "saved by make deploy" in capsys.readouterr().err
    environ = {}
    saved_defaults(environ, tmp_path / "none.toml")  # nothing saved: nothing set
    assert environ == {}


def test_missing_credentials_are_asked_without_echo():
    prompts: list[str] = []

    def secret_prompt(text: str) -> str:  # getpass's signature: it does not echo
        prompts.append(text)
        return "typed-" + str(len(prompts))

    environ = {"FUSIONSOLAR_USERNAME": "me"}
    names = ["FUSIONSOLAR_USERNAME", "FUSIONSOLAR_SYSTEM_CODE", "CHARGEHQ_API_KEY"]
    assert ask_missing(environ, names, secret_prompt, terminal=True) == []
    assert environ["FUSIONSOLAR_SYSTEM_CODE"] == "typed-1" and len(prompts) == 2
    assert all("not shown" in p for p in prompts)


def test_ctrl_d_or_no_terminal_leaves_them_missing():
    def eof(_: str) -> str:
        raise EOFError

    names = ["FUSIONSOLAR_USERNAME"]
    assert ask_missing({}, names, eof, terminal=True) == names
    assert ask_missing({}, names, eof, terminal=False) == names


def test_a_live_run_asks_only_for_the_chosen_receivers_keys():
    from tools.local.live_inputs import asked

    assert list(asked(("hass",))) == [
        "FUSIONSOLAR_USERNAME",
        "FUSIONSOLAR_SYSTEM_CODE",
        "HASS_WEBHOOK_URL",
    ]
    assert "CHARGEHQ_API_KEY" in asked(("chargehq", "pvoutput"))
    assert "PVOUTPUT_SYSTEM_ID" in asked(("chargehq", "pvoutput"))
