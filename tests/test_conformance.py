"""`reportage check`: rules, profiles, overrides and malformed files."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.formats.conformance import SubtitleParseError, check, parse_srt, parse_vtt
from pipeline.formats.cues import NETFLIX_NL

# One cue per rule broken, after a first cue that breaks none.
BAD_SRT = """\
1
00:00:01,000 --> 00:00:03,000
Een nette cue.

2
00:00:04,000 --> 00:00:07,000
een
twee
drie

3
00:00:08,000 --> 00:00:11,000
Deze regel is veel te lang voor een ondertitel.

4
00:00:12,000 --> 00:00:12,500
Kort.

5
00:00:13,000 --> 00:00:21,000
Te lang in beeld.

6
00:00:20,500 --> 00:00:22,000
Overlapt.

7
00:00:22,040 --> 00:00:24,000
Te dicht op de vorige.

8
00:00:25,000 --> 00:00:26,000
Veel te veel tekst in één seconde.

9
00:00:27,000 --> 00:00:28,200
Net iets te snel, nee.
"""


def rules(text: str, norms=NETFLIX_NL) -> list[tuple[int, str, bool]]:
    return [(v.cue, v.rule, v.hard) for v in check(parse_srt(text), norms)]


def test_every_rule_is_reported_with_its_cue_number():
    assert rules(BAD_SRT) == [
        (2, "max-lines", True),
        (3, "max-chars", True),
        (4, "min-duration", True),
        (5, "max-duration", True),
        (6, "overlap", True),
        (7, "gap", True),
        (8, "max-cps", True),
        (9, "target-cps", False),
    ]


def test_touching_cues_and_a_0_833_second_cue_conform():
    text = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:01.833\nJa.\n\n"
        "00:00:01.833 --> 00:00:03.000\n<v Anna>Nee &amp; ja.</v>\n"
    )
    assert check(parse_vtt(text), NETFLIX_NL) == []


def test_vtt_markup_is_not_counted_as_characters():
    line = "<v Een heel lange sprekernaam>" + "x" * 40 + "</v>"
    cues = parse_vtt(
        f"WEBVTT\n\nNOTE made by hand\n\nid-1\n00:01.000 --> 00:04.000 align:left\n{line}\n"
    )
    assert cues[0].lines == ["x" * 40] and cues[0].line == 6
    assert check(cues, NETFLIX_NL) == []


@pytest.mark.parametrize(
    ("parser", "text", "line", "problem"),
    [
        (parse_srt, "1\n00:00:01,000 --> 00:00:02,000\nok\n\nx\n", 5, "cue number"),
        (
            parse_srt,
            "1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:03.000 --> 00:00:04,000\n",
            6,
            "HH:MM:SS,mmm",
        ),
        (parse_srt, "1\n00:00:01,000 --> 00:00:02,000\n", 2, "no text"),
        (parse_srt, "\n\n1\n", 4, "timing line"),
        (parse_vtt, "00:01.000 --> 00:02.000\nhallo\n", 1, "WEBVTT"),
        (
            parse_vtt,
            "WEBVTT\n\n00:01.000 --> 00:02.000\nok\n\n00:03.000 -> 00:04.000\nx\n",
            6,
            "-->",
        ),
        (
            parse_vtt,
            "WEBVTT\n\n00:01.000 --> 00:02.000\nok\n\n00:03,000 --> 00:04.000\n",
            6,
            "MM:SS.mmm",
        ),
        (parse_vtt, "WEBVTT\n\n00:01.000 --> 00:02.000\nok\nb --> c\n", 5, "may not hold"),
    ],
)
def test_the_first_parse_error_is_reported_with_its_line(parser, text, line, problem):
    with pytest.raises(SubtitleParseError) as caught:
        parser(text, "f")
    assert caught.value.line == line
    assert str(caught.value).startswith(f"f:{line}: ") and problem in str(caught.value)


def write(tmp_path, name: str, text: str | bytes):
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return str(path)


def test_cli_exits_nonzero_on_a_broken_hard_limit(tmp_path):
    result = CliRunner().invoke(app, ["check", write(tmp_path, "bad.srt", BAD_SRT)])
    assert result.exit_code == 1
    assert "cue 3: error [max-chars] line 1 has 47 characters (max 42)" in result.stdout
    assert "9 cues, 7 errors, 1 warnings" in result.stdout


def test_cli_profiles_and_overrides(tmp_path):
    text = "1\n00:00:01,000 --> 00:00:04,000\nDeze regel telt zesendertig tekens.\n"
    path = write(tmp_path, "a.srt", text)
    assert CliRunner().invoke(app, ["check", path]).exit_code == 0
    result = CliRunner().invoke(app, ["check", path, "--profile", "podcast"])
    assert result.exit_code == 1 and "(max 32)" in result.stdout
    assert CliRunner().invoke(app, ["check", path, "--max-chars", "30"]).exit_code == 1
    assert CliRunner().invoke(app, ["check", path, "--max-cps", "10"]).exit_code == 1
    two_lines = write(tmp_path, "b.srt", "1\n00:00:01,000 --> 00:00:04,000\neen\ntwee\n")
    assert CliRunner().invoke(app, ["check", two_lines, "--max-lines", "1"]).exit_code == 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.vtt", "WEBVTT\n\n00:01.000 -> 00:02.000\nx\n", "bad.vtt:3: expected a cue timing"),
        (
            "latin1.srt",
            "1\n00:00:01,000 --> 00:00:02,000\ncaf\xe9\n".encode("latin-1"),
            "latin1.srt:3: not UTF-8",
        ),
        ("notes.txt", "hallo", "not a subtitle file"),
        ("missing.srt", None, "cannot read"),
    ],
)
def test_cli_reports_bad_input_in_one_line_without_a_traceback(
    cli, tmp_path, name, content, message
):
    path = write(tmp_path, name, content) if content is not None else str(tmp_path / name)
    done = cli("check", path)
    assert done.rc == 2
    assert message in done.err and "Traceback" not in done.err
    assert len(done.err.strip().splitlines()) == 1


def test_cli_rejects_an_unknown_profile(tmp_path):
    path = write(tmp_path, "a.srt", "1\n00:00:01,000 --> 00:00:02,000\nok\n")
    result = CliRunner().invoke(app, ["check", path, "--profile", "bbc"])
    assert result.exit_code == 2 and "unknown profile 'bbc'" in result.stderr


def test_a_chapters_track_is_not_held_to_subtitle_norms(tmp_path):
    # A chapter lasts minutes: as subtitles, every cue would break the maximum duration.
    path = write(tmp_path, "chapters.vtt", "WEBVTT\n\n00:00:00.000 --> 00:03:20.000\nDe haven\n")
    result = CliRunner().invoke(app, ["check", path])
    assert result.exit_code == 0 and "a chapters track, not subtitles" in result.output
