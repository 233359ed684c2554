"""``rapport calibrate --help`` says which dropout factor is not read as of the episode."""

from __future__ import annotations

import pytest

from rapport.cli import main


def test_the_help_says_the_trainee_factor_is_todays_flag_not_the_episodes(capsys):
    # Nothing records whether a therapist was a trainee at the time of an episode (the user
    # record holds today's flag only), so a therapist who has qualified since makes their
    # past episodes look like a qualified therapist's. Whoever reads the calibration must
    # be told, since every other factor is read as of the third attended session.
    with pytest.raises(SystemExit) as exit_info:
        main(["calibrate", "--help"])
    assert exit_info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert (
        "read as of their third attended session, except whether the therapist is a trainee" in text
    )
    assert "current therapist's flag today, as nothing records it per episode" in text
