"""What the test tiers share: the repository root, the demo API key, run checks, AWS faults,
the template loader and the alarm replay (each its own module here)."""

from pathlib import Path

from tools.local.lambda_env import DEMO_API_KEY

ROOT = Path(__file__).resolve().parents[2]
API_KEY = DEMO_API_KEY
