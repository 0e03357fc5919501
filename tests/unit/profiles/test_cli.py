"""`loadlib profiles` and `loadlib profiles show`, run in-process."""

from loadlib.cli.main import main


def test_list_shows_every_profile_with_duration_and_peak(capsys):
    assert main(["profiles"]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines() if line and not line.startswith(("PROFILE", "run"))}
    assert "4h" in lines["soak"] and "150 VUs" in lines["soak"]
    assert "13m30s" in lines["mina-api-read"] and "1000 it/s" in lines["mina-api-read"]
    assert "40s" in lines["demo"] and "10 VUs" in lines["demo"]


def test_show_prints_stages_thresholds_and_targets(capsys):
    assert main(["profiles", "show", "flash-sale-ramp", "--rows", "5"]) == 0
    out = capsys.readouterr().out
    assert "scenario flash_sale: ramping-vus, exec FlashSaleBuyer" in out
    assert "stage 2:     10s -> 20s     ramp 50 -> 100 VUs" in out
    assert "checks: rate==1" in out
    rows = [line.split() for line in out.splitlines() if line.startswith("  ") and line.strip()[:1].isdigit()]
    assert ["10s", "50", "50"] in rows and ["20s", "100", "100"] in rows and ["25s", "0", "0"] in rows


def test_show_with_time_scale(capsys):
    assert main(["profiles", "show", "soak", "--time-scale", "0.01"]) == 0
    assert "total 2m24s" in capsys.readouterr().out


def test_show_errors_exit_104(capsys):
    assert main(["profiles", "show", "nope"]) == 104
    assert "available profiles:" in capsys.readouterr().err
    assert main(["profiles", "show", "demo", "--time-scale", "-2"]) == 104
