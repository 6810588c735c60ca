"""A byte order mark (Windows Notepad adds one) is no reason to fail: in the secret as in the
state parameter, the run reads the JSON after it."""

import json

from tools.local.site import Site, worked_example_scenario


def test_a_secret_with_a_byte_order_mark_is_read():
    with Site(worked_example_scenario()) as site:
        site.set_secret("\ufeff" + json.dumps(site.secret))
        out = site.run()
    assert out.error is None and len(out.pushes) == 1


def test_a_state_with_a_byte_order_mark_keeps_its_token_and_guard():
    with Site(worked_example_scenario()) as site:
        assert site.run().error is None
        site.put_state_text("\ufeff" + (site.state_text() or ""))
        out = site.next_run()
        assert out.error is None and len(out.pushes) == 1
        assert site.emulator.count("login") == 1  # the saved token was used
