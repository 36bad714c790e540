"""bandit finds no medium or high severity issue in Terrain's code."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bandit_reports_nothing_at_medium_or_high_severity():
    result = subprocess.run([sys.executable, "-m", "bandit", "-q", "-ll", "-r", str(ROOT / "webapp")],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
