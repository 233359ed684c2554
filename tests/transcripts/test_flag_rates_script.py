from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "flag_rates.py"
HEADER = (
    "transcript_id,mi_quality,video_title,video_url,topic,utterance_id,interlocutor,"
    "timestamp,utterance_text,main_therapist_behaviour,client_talk_type\n"
)


def _script():
    spec = importlib.util.spec_from_file_location("flag_rates", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("flag_rates", module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_without_data_it_says_so_and_exits_cleanly(tmp_path, capsys):
    assert _script().main(["--data-dir", str(tmp_path)]) == 0
    assert "AnnoMI not found" in capsys.readouterr().out


def test_it_prints_flags_per_thousand_therapist_utterances_by_quality(tmp_path, capsys):
    rows = [
        "0,high,a,u,t,0,therapist,00:00:01,What brings you here?,question,n/a",
        "0,high,a,u,t,1,client,00:00:05,I drink too much these days.,n/a,change",
        "1,low,b,u,t,0,therapist,00:00:01,Shame on you.,therapist_input,n/a",
        "1,low,b,u,t,1,client,00:00:05,Okay.,n/a,neutral",
    ]
    (tmp_path / "annomi-simple-train.csv").write_text(HEADER + "\n".join(rows) + "\n")
    assert _script().main(["--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "| high (1 transcripts) | low (1 transcripts) |" in out
    assert "| judgmental_language | 0.0 | 1000.0 |" in out
