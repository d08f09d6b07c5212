"""Granger-style discovery of driver → outcome links between measure series. Pure: arrays in, links out.

For each ordered pair of series, statsmodels' `grangercausalitytests` asks whether the driver's past improves
the prediction of the outcome beyond the outcome's own past, for lags 1..max_lag (SSR F-test). The best lag's
p-value, corrected for every test made (Bonferroni over pairs × lags: with many measures some pair of
unrelated series always looks linked by chance at 5 %), gives the confidence 1 − p. The coefficient is the
elasticity at the means: the slope of outcome(t) on driver(t − lag), times mean(driver) / mean(outcome).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats

MIN_PERIODS = 12
MAX_SERIES = 20


@dataclass(frozen=True)
class DiscoveredLink:
    driver: str
    outcome: str
    lag: int
    coefficient: float  # elasticity at the means
    p_value: float
    confidence: float  # 1 - p (Bonferroni over all pairs and lags tested), in [0, 1]
    outcome_base: float  # the outcome's last value: the level scenarios start from


def max_lag_for(periods: int) -> int:
    """Lags worth testing on `periods` observations (the F-test needs a few degrees of freedom per lag)."""
    return max(1, min(6, (periods - 4) // 4))


def _granger(outcome: np.ndarray, driver: np.ndarray, max_lag: int) -> tuple[int, float]:
    from statsmodels.tsa.stattools import grangercausalitytests

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # near-collinear lags on short series warn; the p-value still holds
        results = grangercausalitytests(np.column_stack([outcome, driver]), maxlag=max_lag)
    p_values = {lag: float(result[0]["ssr_ftest"][1]) for lag, result in results.items()}
    lag = min(p_values, key=lambda k: p_values[k])
    return lag, p_values[lag]


def _elasticity(outcome: np.ndarray, driver: np.ndarray, lag: int) -> float:
    x, y = driver[:-lag], outcome[lag:]
    if np.ptp(x) == 0 or np.mean(y) == 0:
        return 0.0
    slope = stats.linregress(x, y).slope
    return float(slope * np.mean(x) / np.mean(y))


def discover_links(series: dict[str, np.ndarray]) -> list[DiscoveredLink]:
    """Every ordered pair of the (equally long, time-ordered) series, tested; constant series are skipped."""
    names = [name for name, values in series.items() if np.ptp(np.asarray(values, dtype=float)) > 0][:MAX_SERIES]
    if not names:
        return []
    periods = len(series[names[0]])
    if periods < MIN_PERIODS:
        return []
    max_lag = max_lag_for(periods)
    tests = max_lag * len(names) * (len(names) - 1)
    links = []
    for outcome in names:
        for driver in names:
            if driver == outcome:
                continue
            y, x = (np.asarray(series[n], dtype=float) for n in (outcome, driver))
            lag, p_value = _granger(y, x, max_lag)
            if not math.isfinite(p_value):
                continue
            corrected = min(1.0, p_value * tests)
            links.append(
                DiscoveredLink(driver, outcome, lag, _elasticity(y, x, lag), p_value, 1.0 - corrected, float(y[-1]))
            )
    return links
