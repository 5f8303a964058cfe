"""Run the real gasflux 0.2.2 on the corpus written by write-corpus.ts and store its numbers as JSON.

    python generate_reference.py <corpus-folder> <output.json>

The pipeline runs in-process exactly as `gasflux process` runs it (pandas.read_csv with default options,
DataProcessor.strategy_selection() then .process()); only the report files are not written. Two library functions
are wrapped, without changing what they compute, to keep objects that the pipeline discards: the directional
variogram (bins, experimental values, pair counts, fitted parameters) and the kriging object (how many nodes had
too few neighbours). Everything stored is a number gasflux computed (or counted from its tables); no gasflux code
or text is copied.
"""

from __future__ import annotations

import hashlib
import json
import math
import platform
import re
import sys
import time
from importlib import metadata
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

import gasflux
import gasflux.gas
import gasflux.interpolation
import gasflux.processing
import gasflux.processing_pipelines
import skgstat

ROW_SAMPLES = 40  # rows sampled per case from the full table (plus the last row)
KEPT_SAMPLES = 40  # rows sampled from the kept (curtain) rows
NODE_SAMPLES = 80  # grid nodes sampled per gas (plus the last node)

# --- capture what the pipeline builds and throws away -------------------------------------------------------------

_captured: dict = {"variograms": {}, "kriging": []}
_original_semivariogram = gasflux.interpolation.directional_gas_semivariogram
_OriginalKriging = skgstat.OrdinaryKriging


def _capturing_semivariogram(df, x, z, gas, semivariogram_filter=None, **settings):
    variogram = _original_semivariogram(df, x, z, gas, semivariogram_filter, **settings)
    _captured["variograms"][gas] = variogram
    return variogram


class _CapturingKriging(_OriginalKriging):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _captured["kriging"].append(self)


gasflux.interpolation.directional_gas_semivariogram = _capturing_semivariogram
gasflux.interpolation.skg.OrdinaryKriging = _CapturingKriging


# --- helpers ------------------------------------------------------------------------------------------------------


def clean(value):
    """JSON-safe: numpy scalars/arrays to Python, NaN/inf to None."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if isinstance(value, np.ndarray):
        return [clean(v) for v in value.tolist()]
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        f = float(value)
        return f if math.isfinite(f) else None
    return value


def compact_json(document) -> str:
    """Indented JSON with every list of numbers (or strings) on one line, so diffs stay readable and the file small."""
    text = json.dumps(document, indent=1, allow_nan=False, ensure_ascii=False)
    return re.sub(r"\[\n\s*([^\[\]{}]*?)\n\s*\]", lambda m: "[" + re.sub(r",\n\s*", ", ", m.group(1)) + "]", text)


def sample_positions(count: int, samples: int) -> list[int]:
    step = max(1, count // samples)
    positions = list(range(0, count, step))
    if positions[-1] != count - 1:
        positions.append(count - 1)
    return positions


def run_lengths(values) -> list[list[int]]:
    out: list[list[int]] = []
    for v in values:
        v = int(v)
        if out and out[-1][0] == v:
            out[-1][1] += 1
        else:
            out.append([v, 1])
    return out


def utm_epsg(df: pd.DataFrame) -> int:
    """The UTM zone the UTM step chose (it does not keep it): the same estimate on the same points."""
    points = gpd.GeoSeries(gpd.points_from_xy(df["longitude"], df["latitude"]), crs="EPSG:4326")
    return int(points.estimate_utm_crs().to_epsg())


def run_case(folder: Path, case: dict) -> dict:
    csv_path = folder / case["csv"]
    text = csv_path.read_text(encoding="utf-8")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if digest != case["csv_sha256"]:
        raise RuntimeError(f"{case['name']}: CSV hash differs from the manifest")
    config = gasflux.processing_pipelines.load_config(folder / case["config_file"])
    if config != case["config"]:
        raise RuntimeError(f"{case['name']}: the YAML config does not read back as the manifest's config: {config}")

    _captured["variograms"].clear()
    _captured["kriging"].clear()
    df = gasflux.processing_pipelines.read_csv(csv_path)
    processor = gasflux.processing_pipelines.DataProcessor(config, df)
    processor.strategy_selection()
    processor.process()

    original = processor.dfs["original"]  # every row, after UTM, course and background
    kept = processor.df  # the curtain rows; index = row number in the CSV
    gases = list(config["gases"])
    curtain = config["strategies"]["spatial"] == "curtain"
    transects = gasflux.processing.add_transect_azimuth_switches(original)["transect_num"] if curtain else None

    mean_temperature = kept["temperature"].mean()
    mean_pressure = kept["pressure"].mean()
    settings = config["ordinary_kriging_settings"]
    x_min, x_max = kept["x"].min(), kept["x"].max()
    y_max = kept["height_ato"].max()
    y_min = kept["height_ato"].min() if settings["y_min"] is None else settings["y_min"]
    if settings["cut_ground"] is True:
        y_min = min((kept["height_ato"] - kept["height_agl"]).min(), y_min)

    row_positions = sample_positions(len(original), ROW_SAMPLES)
    row_columns = ["utm_easting", "utm_northing", "hor_distance", "vert_distance", "course_azimuth", "course_elevation"]
    row_columns += [f"{g}_{suffix}" for g in gases for suffix in ("fit", "normalised")]
    kept_positions = sample_positions(len(kept), KEPT_SAMPLES)
    kept_columns = ["transect_num", "x", "y", "distance_from_fit", "winddir_rel", "windspeed_measured", "windspeed"]
    kept_columns += ["circ_deviation", "ground_elevation_ato"]
    kept_columns += [f"{g}_{suffix}" for g in gases for suffix in ("kg_m3", "kg_h_m2")]
    kept_columns = [c for c in kept_columns if c in kept]  # the spiral strategy has no transects, y or wind correction

    out_gases = {}
    for gas, kriging in zip(gases, _captured["kriging"], strict=True):
        krig = processor.output_vars["krig_parameters"][gas]
        field = np.asarray(krig["field"])
        variance = np.asarray(krig["error field (1 sigma)"])
        nx, ny = field.shape
        variogram = _captured["variograms"][f"{gas}_kg_h_m2"]
        described = variogram.describe()
        signal = original[f"{gas}_signal"].to_numpy()
        nodes = sample_positions(nx * ny, NODE_SAMPLES)
        out_gases[gas] = {
            "volume": krig["volume"],
            "volumepos": krig["volumepos"],
            "volumeneg": krig["volumeneg"],
            "volume_error": krig["volume_error"],
            "density_kg_m3": gasflux.gas.gas_density(mean_pressure, mean_temperature, gas),
            "signal_points": int(signal.sum()),
            "background_points": int((~signal).sum()),
            "signal_flags": "".join("1" if s else "0" for s in signal),
            "grid": {
                "nx": nx,
                "ny": ny,
                "x_min": x_min,
                "x_max": x_max,
                "y_min": y_min,
                "y_max": y_max,
                "x_cell_size": (x_max - x_min) / nx,
                "y_cell_size": (y_max - y_min) / ny,
            },
            "nan_nodes": int(np.isnan(field).sum()),
            "too_few_neighbour_nodes": int(kriging.no_points_error),
            "field_sample": {
                "node": nodes,
                "field": field.ravel()[nodes],
                "variance": variance.ravel()[nodes],
            },
            "variogram": {
                "bins": variogram.bins,
                "experimental": variogram.experimental,
                "pair_counts": variogram.bin_count,
                "effective_range": described["effective_range"],
                "sill": described["sill"],
                "nugget": described["nugget"],
            },
        }

    return {
        "rows": len(original),
        "utm_epsg": utm_epsg(df),
        "strategy": config["strategies"]["spatial"],
        "transect_runs": run_lengths(transects) if curtain else None,
        "start_transect": getattr(processor, "start_transect", None),
        "end_transect": getattr(processor, "end_transect", None),
        "rows_used": len(kept),
        "first_row_used": int(kept.index[0]),
        "last_row_used": int(kept.index[-1]),
        "plane_angle_deg": getattr(processor, "plane_angle", None),
        "circle": (
            None
            if curtain
            else {"radius": processor.circle_radius, "centre_e": processor.circle_center_x, "centre_n": processor.circle_center_y}
        ),
        "mean_temperature": mean_temperature,
        "mean_pressure": mean_pressure,
        "std": dict(processor.output_vars["std"]),
        "gases": out_gases,
        "row_sample": {
            "row": row_positions,
            **{c: original[c].to_numpy()[row_positions] for c in row_columns},
        },
        "kept_sample": {
            "row": kept.index.to_numpy()[kept_positions],
            **{c: kept[c].to_numpy()[kept_positions] for c in kept_columns},
        },
    }


def main() -> None:
    folder = Path(sys.argv[1])
    output = Path(sys.argv[2])
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    cases = []
    started = time.perf_counter()
    for case in manifest:
        t0 = time.perf_counter()
        reference = run_case(folder, case)
        print(f"{case['name']}: {reference['rows']} rows, {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
        cases.append(
            {
                "name": case["name"],
                "description": case["description"],
                "generator": case["generator"],
                "csv_sha256": case["csv_sha256"],
                "config": case["config"],
                "reference": reference,
            }
        )
    packages = ["gasflux", "numpy", "scipy", "pandas", "geopandas", "pyproj", "pybaselines", "scikit-gstat",
                "scikit-image", "molmass", "numba"]
    document = {
        "about": (
            "Numbers computed by the real gasflux 0.2.2 (PyPI) on flights generated by tools/reference/corpus.ts; "
            "regenerate with tools/reference/run.sh. Checked by test/gasflux/real-reference-parity.test.ts."
        ),
        "environment": {
            "python": platform.python_version(),
            "machine": platform.machine(),
            "packages": {p: metadata.version(p) for p in packages},
        },
        "cases": clean(cases),
    }
    output.write_text(compact_json(document) + "\n", encoding="utf-8")
    print(f"wrote {len(cases)} cases to {output} in {time.perf_counter() - started:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
