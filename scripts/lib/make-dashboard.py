#!/usr/bin/env python3
"""Writes k8s/base/grafana-dashboard.yaml: a ConfigMap (label grafana_dashboard=1, for
Grafana's sidecar) holding the fleet's dashboard, built on the metrics of docs/operations.md.
Edit here, run `python3 scripts/lib/make-dashboard.py`, commit both; scripts/check-k8s.py
checks that every metric a panel queries is one the code records."""
import json, os

panels = [
    ("Queue: jobs waiting or running", "max(ocrfleet_queue_jobs)"),
    ("Queue by route (lane, GPU)", "max by (subject) (ocrfleet_queue_route_jobs)"),
    ("Jobs ended per second, by state", "sum by (state) (rate(ocrfleet_worker_jobs_total[5m]))"),
    ("Failures per second, by code", 'sum by (code) (rate(ocrfleet_worker_jobs_total{state="failed"}[5m]))'),
    ("Retries per second, by code", "sum by (code) (rate(ocrfleet_worker_retries_total[5m]))"),
    ("Job duration p50 / p95 (s)", 'histogram_quantile(0.95, sum by (le) (rate(ocrfleet_worker_job_duration_seconds_bucket{state="completed"}[5m])))'),
    ("Stage duration p95 (s)", "histogram_quantile(0.95, sum by (le, stage) (rate(ocrfleet_worker_stage_duration_seconds_bucket[5m])))"),
    ("Pages per second, by engine", "sum by (engine) (rate(ocrfleet_worker_pages_total[5m]))"),
    ("Engine request p95 (s)", "histogram_quantile(0.95, sum by (le, engine) (rate(ocrfleet_engine_request_duration_seconds_bucket[5m])))"),
    ("Engine requests per second, by status", "sum by (engine, status) (rate(ocrfleet_engine_requests_total[5m]))"),
    ("Jobs and pages in flight", "sum(ocrfleet_worker_jobs_in_flight)"),
    ("Pages at the engines", "sum(ocrfleet_worker_pages_in_flight)"),
    ("Bytes downloaded / uploaded per second", "sum(rate(ocrfleet_worker_download_bytes_total[5m]))"),
    ("Markdown uploaded per second", "sum(rate(ocrfleet_worker_upload_bytes_total[5m]))"),
    ("Gateway requests per second, by status", "sum by (status) (rate(ocrfleet_gateway_requests_total[5m]))"),
    ("Gateway p99 latency by route (s)", "histogram_quantile(0.99, sum by (le, route) (rate(ocrfleet_gateway_request_duration_seconds_bucket[5m])))"),
    ("Jobs submitted per second", "sum(rate(ocrfleet_gateway_jobs_submitted_total[5m]))"),
    ("Webhook deliveries per second, by outcome", "sum by (outcome) (rate(ocrfleet_gateway_webhook_deliveries_total[5m]))"),
    ("NATS reconnects", "sum(increase(ocrfleet_nats_reconnects_total[1h]))"),
]
# Human review (docs/review.md): the rates of k8s/base/alerts.yaml's recording rules, the queue.
review_panels = [
    ("Review rate by label (share of fields sent to people, 1 d)", "ocrfleet:review_rate:ratio_1d"),
    ("Review items per hour, by reason", "sum by (reason) (increase(ocrfleet_review_reasons_total[1h]))"),
    ("Correction rate by label and field (1 d)", "ocrfleet:review_correction_rate:ratio_1d"),
    ("Accuracy by label, this week and last (confirmed share, 7 d)",
     "ocrfleet:review_accuracy:ratio_7d or label_replace(ocrfleet:review_accuracy:ratio_7d offset 7d, \"week\", \"last\", \"\", \"\")"),
    ("Items waiting for a reviewer", "max(ocrfleet_review_items_waiting)"),
    ("Oldest waiting item's age (h)", "max(ocrfleet_review_oldest_item_age_seconds) / 3600"),
    ("Time in queue p95 by label (h)",
     "histogram_quantile(0.95, sum by (le, label) (rate(ocrfleet_review_wait_seconds_bucket[1h]))) / 3600"),
]


def grid(panels, first_id, top):
    return [
        {
            "id": first_id + index,
            "title": title,
            "type": "timeseries",
            "datasource": {"type": "prometheus", "uid": "${datasource}"},
            "gridPos": {"h": 8, "w": 12, "x": (index % 2) * 12, "y": top + (index // 2) * 8},
            "targets": [{"refId": "A", "expr": expr, "legendFormat": "__auto"}],
        }
        for index, (title, expr) in enumerate(panels)
    ]


review_top = ((len(panels) + 1) // 2) * 8
dashboard = {
    "title": "ocrfleet",
    "uid": "ocrfleet",
    "schemaVersion": 39,
    "time": {"from": "now-6h", "to": "now"},
    "refresh": "30s",
    "templating": {"list": [{"name": "datasource", "type": "datasource", "query": "prometheus"}]},
    "panels": grid(panels, 1, 0)
    + [{"id": len(panels) + 1, "type": "row", "title": "Review", "collapsed": False, "panels": [],
        "gridPos": {"h": 1, "w": 24, "x": 0, "y": review_top}}]
    + grid(review_panels, len(panels) + 2, review_top + 1),
}
text = json.dumps(dashboard, indent=2)
yaml = """# Written by scripts/lib/make-dashboard.py: edit there.
apiVersion: v1
kind: ConfigMap
metadata:
  name: ocrfleet-dashboard
  labels:
    app.kubernetes.io/part-of: ocrfleet
    grafana_dashboard: "1"
data:
  ocrfleet.json: |
""" + "".join(f"    {line}\n" for line in text.split("\n"))
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../..")
open(os.path.join(root, "k8s/base/grafana-dashboard.yaml"), "w").write(yaml)
