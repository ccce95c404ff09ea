"""Reads a profile_export_aiperf.json with the field names and types that
AIPerf's own readers use (its JsonExportData / JsonMetricResult models and
the schema page "profile_export_aiperf.json Schema", version 1.5), and with
the page's rules: record metrics carry count and sum, aggregate and derived
metrics only unit and avg, no field is null. Works with pydantic 1 and 2.

Usage: aiperf_reader.py FILE RECORD_TAG... -- SCALAR_TAG...
Prints "ok" and exits 0 when the file passes."""

import json
import sys
from datetime import datetime
from typing import Dict, List, Optional, Union

import pydantic


class Strict(pydantic.BaseModel):
    class Config:
        extra = "forbid"


class Open(pydantic.BaseModel):
    class Config:
        extra = "allow"


class MetricResult(Strict):
    unit: str
    avg: Optional[float] = None
    p1: Optional[float] = None
    p5: Optional[float] = None
    p10: Optional[float] = None
    p25: Optional[float] = None
    p50: Optional[float] = None
    p75: Optional[float] = None
    p90: Optional[float] = None
    p95: Optional[float] = None
    p99: Optional[float] = None
    min: Optional[Union[int, float]] = None
    max: Optional[Union[int, float]] = None
    std: Optional[float] = None
    count: Optional[int] = None
    sum: Optional[Union[int, float]] = None


class ErrorDetails(Open):
    code: Optional[int] = None
    type: Optional[str] = None
    message: str


class ErrorDetailsCount(Open):
    error_details: ErrorDetails
    count: int


class RunInfo(Open):
    benchmark_id: str
    random_seed: Optional[int] = None
    trial: int
    cli_command: Optional[str] = None


class ExportData(Open):
    schema_version: str
    benchmark_id: str
    input_config: Dict[str, object]
    run_info: RunInfo
    was_cancelled: bool
    error_summary: List[ErrorDetailsCount]
    start_time: datetime
    end_time: datetime
    runtime_submission_invalid_reasons: List[str]


def parse(model, obj):
    if hasattr(model, "model_validate"):
        return model.model_validate(obj)
    return model.parse_obj(obj)


def main():
    path, rest = sys.argv[1], sys.argv[2:]
    split = rest.index("--")
    records, scalars = rest[:split], rest[split + 1 :]
    raw = json.load(open(path))
    data = parse(ExportData, raw)
    assert data.schema_version == "1.5", data.schema_version
    assert data.start_time <= data.end_time
    problems = []
    for tag, block in raw.items():
        if not isinstance(block, dict) or "unit" not in block:
            continue
        m = parse(MetricResult, block)
        if any(v is None for v in block.values()):
            problems.append(f"{tag}: a null field")
        if m.count is not None and (m.p50 is None or m.sum is None):
            problems.append(f"{tag}: count without a distribution")
    for tag in records:
        block = raw.get(tag)
        if block is None or not {"count", "sum", "std", "p50", "p99", "min", "max"} <= block.keys():
            problems.append(f"record metric {tag}: {block}")
        elif not isinstance(block["count"], int):
            problems.append(f"{tag}: count is not an int")
    for tag in scalars:
        block = raw.get(tag)
        if block is None or set(block) != {"unit", "avg"}:
            problems.append(f"aggregate or derived metric {tag}: {block}")
    for p in problems:
        print(p)
    if problems:
        sys.exit(1)
    print("ok")


main()
