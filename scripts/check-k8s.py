#!/usr/bin/env python3
"""Validates k8s/ without a cluster (scripts/test.sh runs it):

- every Kubernetes object against the API's own schema, strictly (no unknown fields), with
  kubernetes-validate (PyPI, schemas bundled; KUBERNETES_VERSION, default 1.33.0);
- KEDA's ScaledObject and the Prometheus operator's ServiceMonitor and PrometheusRule, which
  kubernetes-validate does not know, against the subsets of their CRD schemas written below (the
  fields used);
- the PrometheusRule's rules with promtool (`check rules`), and its unit tests in
  k8s/tests/*.test.yaml (`test rules`, each against the rules as `ocrfleet-rules.yaml`);
- the kustomizations' resources and patches exist, and each patch names an object of the base;
- the fleet's own facts agree across files: the ScaledObject's stream and consumer are the
  contract's, its monitoring port is the one nats-values.yaml opens, the worker's grace period
  outlasts its drain, the probe ports match the images, every metric the Grafana dashboard
  and the rules query is one the code records, nats-values.yaml carries deploy/nats-users.conf verbatim
  with a password Secret for each user, and the gateway and worker connect as users of it.
"""
import glob, json, os, re, shutil, subprocess, sys, tempfile

import jsonschema, kubernetes_validate, yaml

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
version = os.environ.get("KUBERNETES_VERSION", "1.33.0")
problems = []

string = {"type": "string"}
labels = {"type": "object", "additionalProperties": string}
metadata = {"type": "object", "required": ["name"], "additionalProperties": False,
            "properties": {"name": string, "namespace": string, "labels": labels, "annotations": labels}}
CRD_SCHEMAS = {
    ("keda.sh/v1alpha1", "ScaledObject"): {
        "type": "object", "required": ["apiVersion", "kind", "metadata", "spec"], "additionalProperties": False,
        "properties": {"apiVersion": string, "kind": string, "metadata": metadata, "spec": {
            "type": "object", "required": ["scaleTargetRef", "triggers"], "additionalProperties": False,
            "properties": {
                "scaleTargetRef": {"type": "object", "required": ["name"], "additionalProperties": False,
                                   "properties": {"name": string, "kind": string, "apiVersion": string}},
                "pollingInterval": {"type": "integer", "minimum": 1},
                "cooldownPeriod": {"type": "integer", "minimum": 0},
                "minReplicaCount": {"type": "integer", "minimum": 0},
                "maxReplicaCount": {"type": "integer", "minimum": 1},
                "advanced": {"type": "object", "additionalProperties": False, "properties": {
                    "horizontalPodAutoscalerConfig": {"type": "object", "additionalProperties": False, "properties": {
                        "behavior": {"type": "object", "additionalProperties": False, "properties": {
                            direction: {"type": "object", "additionalProperties": False, "properties": {
                                "stabilizationWindowSeconds": {"type": "integer", "minimum": 0, "maximum": 3600}}}
                            for direction in ["scaleUp", "scaleDown"]}}}}}},
                # KEDA's nats-jetstream scaler and its prometheus scaler (the GPU tier's
                # vllm:num_requests_waiting), with the metadata each documents.
                "triggers": {"type": "array", "minItems": 1, "items": {"oneOf": [
                    {"type": "object", "required": ["type", "metadata"], "additionalProperties": False,
                     "properties": {"type": {"const": "nats-jetstream"}, "name": string, "metadata": {
                         "type": "object", "additionalProperties": False,
                         "required": ["natsServerMonitoringEndpoint", "account", "stream", "consumer", "lagThreshold"],
                         "properties": {key: string for key in [
                             "natsServerMonitoringEndpoint", "account", "stream", "consumer", "lagThreshold",
                             "activationLagThreshold", "useHttps"]}}}},
                    {"type": "object", "required": ["type", "metadata"], "additionalProperties": False,
                     "properties": {"type": {"const": "prometheus"}, "name": string, "metadata": {
                         "type": "object", "additionalProperties": False,
                         "required": ["serverAddress", "query", "threshold"],
                         "properties": {key: string for key in [
                             "serverAddress", "query", "threshold", "activationThreshold", "namespace",
                             "ignoreNullValues", "unsafeSsl"]}}}}]}}}}}},
    ("monitoring.coreos.com/v1", "ServiceMonitor"): {
        "type": "object", "required": ["apiVersion", "kind", "metadata", "spec"], "additionalProperties": False,
        "properties": {"apiVersion": string, "kind": string, "metadata": metadata, "spec": {
            "type": "object", "required": ["selector", "endpoints"], "additionalProperties": False,
            "properties": {
                "selector": {"type": "object", "properties": {"matchLabels": labels}, "additionalProperties": False},
                "endpoints": {"type": "array", "minItems": 1, "items": {
                    "type": "object", "additionalProperties": False,
                    "properties": {"port": string, "path": string, "interval": {"type": "string", "pattern": "^[0-9]+[smh]$"},
                                   "scheme": string}}}}}}},
    ("monitoring.coreos.com/v1", "PrometheusRule"): {
        "type": "object", "required": ["apiVersion", "kind", "metadata", "spec"], "additionalProperties": False,
        "properties": {"apiVersion": string, "kind": string, "metadata": metadata, "spec": {
            "type": "object", "required": ["groups"], "additionalProperties": False,
            "properties": {"groups": {"type": "array", "minItems": 1, "items": {
                "type": "object", "required": ["name", "rules"], "additionalProperties": False,
                "properties": {"name": string, "interval": string, "rules": {"type": "array", "items": {
                    "type": "object", "required": ["expr"], "additionalProperties": False,
                    "properties": {"record": string, "alert": string, "expr": string, "for": string,
                                   "labels": labels, "annotations": labels}}}}}}}}}},
}


def documents(path):
    with open(path) as f:
        return [doc for doc in yaml.safe_load_all(f) if doc]


def validate(path, doc):
    key = (doc.get("apiVersion"), doc.get("kind"))
    where = f"{os.path.relpath(path, root)}: {doc.get('kind')} {doc.get('metadata', {}).get('name')}"
    try:
        if key in CRD_SCHEMAS:
            jsonschema.validate(doc, CRD_SCHEMAS[key])
        else:
            kubernetes_validate.validate(doc, version, strict=True)
    except Exception as error:
        problems.append(f"{where}: {str(error).splitlines()[0]}")


objects = {}
for kustomization in ["k8s/base", "k8s/gpu"]:
    directory = os.path.join(root, kustomization)
    spec = documents(os.path.join(directory, "kustomization.yaml"))[0]
    for resource in spec.get("resources", []):
        path = os.path.join(directory, resource)
        if os.path.isdir(path):
            continue
        if not os.path.exists(path):
            problems.append(f"{kustomization}: resource {resource} does not exist")
            continue
        for doc in documents(path):
            validate(path, doc)
            objects[(doc["kind"], doc["metadata"]["name"])] = doc
    for patch in spec.get("patches", []):
        doc = documents(os.path.join(directory, patch["path"]))[0]
        if (doc["kind"], doc["metadata"]["name"]) not in objects:
            problems.append(f"{kustomization}: patch {patch['path']} names no object of the base")

# The fleet's facts, across files.
# Workers scale on every job consumer they pull (JobRoute's and ocr-unrouted): the base's
# CPU workers on the CPU routes, the gpu overlay's on all of them.
route = open(os.path.join(root, "Sources/OCRFleetModel/JobRoute.swift")).read()
subjects = open(os.path.join(root, "Sources/OCRFleetModel/Subjects.swift")).read()
cpu_consumers = {re.search(r'static let workerConsumer = "([^"]+)"', subjects).group(1),
                 re.search(r'static let unroutedConsumer = "([^"]+)"', subjects).group(1),
                 *re.findall(r'case \(\.\w+, false\): "([^"]+)"', route)}
gpu_consumers = set(re.findall(r'case \(\.\w+, true\): "([^"]+)"', route))
if len(cpu_consumers) != 3 or len(gpu_consumers) != 2:
    problems.append(f"job consumers not found in JobRoute.swift and Subjects.swift: {cpu_consumers}, {gpu_consumers}")
for overlay, wanted in [("base", cpu_consumers), ("gpu", cpu_consumers | gpu_consumers)]:
    doc = documents(os.path.join(root, "k8s", overlay, "autoscaling.yaml" if overlay == "base" else "autoscaling-gpu.yaml"))[0]
    triggers = [trigger["metadata"] for trigger in doc["spec"]["triggers"] if trigger["type"] == "nats-jetstream"]
    if {t["consumer"] for t in triggers} != wanted or any(t["stream"] != "OCR_JOBS" for t in triggers):
        problems.append(f"k8s/{overlay}: the worker ScaledObject's triggers are not the consumers {sorted(wanted)} of OCR_JOBS")
    # Tenants' consumers have no fixed names: the workers also scale on the gateways' count of each route.
    if not any(t["type"] == "prometheus" and "ocrfleet_queue_route_jobs" in t["metadata"]["query"] for t in doc["spec"]["triggers"]):
        problems.append(f"k8s/{overlay}: the worker ScaledObject does not scale on ocrfleet_queue_route_jobs (tenants' jobs)")
# The GPU tier scales on the GPU routes' lag (and vLLM's own queue).
vllm_scaled = documents(os.path.join(root, "k8s/gpu/vllm-autoscaling.yaml"))
vllm_triggers = [d for d in vllm_scaled if d["kind"] == "ScaledObject"][0]["spec"]["triggers"]
if {t["metadata"]["consumer"] for t in vllm_triggers if t["type"] == "nats-jetstream"} != gpu_consumers:
    problems.append(f"k8s/gpu/vllm-autoscaling.yaml: the vLLM ScaledObject does not watch the GPU routes {sorted(gpu_consumers)}")
if not any(t["type"] == "prometheus" and "ocrfleet_queue_route_jobs" in t["metadata"]["query"] for t in vllm_triggers):
    problems.append("k8s/gpu/vllm-autoscaling.yaml: the vLLM ScaledObject does not scale on the GPU routes' tenants' jobs")
if not any(t["type"] == "prometheus" and "vllm:num_requests_waiting" in t["metadata"]["query"] for t in vllm_triggers):
    problems.append("k8s/gpu/vllm-autoscaling.yaml: the vLLM ScaledObject does not scale on vllm:num_requests_waiting")
scaled = [t for t in objects[("ScaledObject", "ocr-worker")]["spec"]["triggers"] if t["type"] == "nats-jetstream"][0]["metadata"]
nats = documents(os.path.join(root, "k8s/nats-values.yaml"))[0]
if not scaled["natsServerMonitoringEndpoint"].endswith(f":{nats['config']['monitor']['port']}"):
    problems.append("the ScaledObject reads a monitoring port nats-values.yaml does not open")
if nats["config"]["cluster"]["replicas"] != 3 or not nats["config"]["jetstream"]["enabled"]:
    problems.append("nats-values.yaml: three JetStream servers expected")
worker = objects[("Deployment", "ocr-worker")]["spec"]["template"]["spec"]
container = worker["containers"][0]
environment = {item["name"]: item.get("value") for item in container.get("env", [])}
grace = int(environment.get("OCR_SHUTDOWN_GRACE_S", "25"))
if worker["terminationGracePeriodSeconds"] < grace + 10:
    problems.append(f"worker terminationGracePeriodSeconds must outlast OCR_SHUTDOWN_GRACE_S ({grace}) by 10 s")
dockerfile = open(os.path.join(root, "Dockerfile.worker")).read()
probe_port = re.search(r"OCR_PROBE_PORT=(\d+)", dockerfile).group(1)
if environment.get("OCR_PROBE_PORT") != probe_port or container["ports"][0]["containerPort"] != int(probe_port):
    problems.append("the worker's probe port differs between Dockerfile.worker and k8s/base/worker.yaml")

# The NATS users: nats-values.yaml carries deploy/nats-users.conf verbatim, includes it, and
# hands the server each password the file names from a Secret; each Deployment connects as a
# user of the file, with that user's password and a reply-subject prefix the user may read.
users_file = open(os.path.join(root, "deploy/nats-users.conf")).read()
if nats.get("configMap", {}).get("merge", {}).get("data", {}).get("ocrfleet-users.conf") != users_file:
    problems.append("nats-values.yaml: configMap data ocrfleet-users.conf differs from deploy/nats-users.conf")
if "ocrfleet-users.conf" not in [value for key, value in nats["config"].get("merge", {}).items() if key.endswith("$include")]:
    problems.append("nats-values.yaml: config.merge does not $include ocrfleet-users.conf")
if re.search(r"^\s*accounts\s*[{:=]", users_file, re.M) or scaled["account"] != "$G":
    problems.append("the users are in the default account $G, which the ScaledObject must read")
server_env = nats.get("container", {}).get("env", {})
matches = list(re.finditer(r"user:\s*(\S+)\s*\n\s*password:\s*\$(\w+)", users_file))
nats_users = {}
for index, match in enumerate(matches):
    end = matches[index + 1].start() if index + 1 < len(matches) else len(users_file)
    secret = server_env.get(match.group(2), {}).get("valueFrom", {}).get("secretKeyRef")
    if not secret:
        problems.append(f"nats-values.yaml: container.env gives the server no {match.group(2)} from a Secret")
    nats_users[match.group(1)] = (secret, users_file[match.start():end])
for name in ["ocr-gateway", "ocr-worker"]:
    env = {item["name"]: item for item in objects[("Deployment", name)]["spec"]["template"]["spec"]["containers"][0].get("env", [])}
    user = env.get("OCR_NATS_USER", {}).get("value")
    if user not in nats_users:
        problems.append(f"Deployment {name}: OCR_NATS_USER {user} is not a user of deploy/nats-users.conf")
        continue
    secret, block = nats_users[user]
    if env.get("OCR_NATS_PASSWORD", {}).get("valueFrom", {}).get("secretKeyRef") != secret:
        problems.append(f"Deployment {name}: OCR_NATS_PASSWORD is not the Secret key the server reads {user}'s from")
    prefix = env.get("OCR_NATS_INBOX_PREFIX", {}).get("value")
    if f'"{prefix}.>"' not in block:
        problems.append(f"Deployment {name}: {user} may not subscribe to its replies (OCR_NATS_INBOX_PREFIX {prefix})")

dashboard = json.loads(objects[("ConfigMap", "ocrfleet-dashboard")]["data"]["ocrfleet.json"])
recorded = "".join(open(path).read() for path in glob.glob(os.path.join(root, "Sources/**/*.swift"), recursive=True))
for panel in dashboard["panels"]:
    for target in panel.get("targets", []):
        for metric in set(re.findall(r"ocrfleet_[a-z_]+", target["expr"])):
            name = re.sub(r"_(bucket|count|sum)$", "", metric)
            if f'"{name}"' not in recorded:
                problems.append(f"dashboard panel '{panel['title']}' queries {metric}, which no code records")

# The rules: promtool's syntax check and the unit tests, and every metric they read is recorded.
rules = objects[("PrometheusRule", "ocrfleet")]["spec"]
rule_count = sum(len(group["rules"]) for group in rules["groups"])
for group in rules["groups"]:
    for rule in group["rules"]:
        for metric in set(re.findall(r"ocrfleet_[a-z_]+", rule["expr"])):
            name = re.sub(r"_(bucket|count|sum)$", "", metric)
            if f'"{name}"' not in recorded:
                problems.append(f"rule '{rule.get('alert') or rule.get('record')}' reads {metric}, which no code records")
containers = {container["name"] for (kind, _), doc in objects.items() if kind in ("Deployment", "StatefulSet")
              for container in doc["spec"]["template"]["spec"]["containers"]}
for group in rules["groups"]:
    for rule in group["rules"]:
        for names in re.findall(r'container=~"([^"]+)"', rule["expr"]):
            if set(names.split("|")) != containers:
                problems.append(f"rule '{rule.get('alert')}' watches containers {names}, the manifests have {sorted(containers)}")
promtool = shutil.which("promtool")
if not promtool:
    problems.append("promtool is not installed (scripts/install-deps.sh installs Debian's prometheus)")
else:
    with tempfile.TemporaryDirectory() as directory:
        with open(os.path.join(directory, "ocrfleet-rules.yaml"), "w") as f:
            yaml.safe_dump({"groups": rules["groups"]}, f)
        tests = sorted(glob.glob(os.path.join(root, "k8s/tests/*.test.yaml")))
        for test in tests:
            shutil.copy(test, directory)
        for command in [["check", "rules", "ocrfleet-rules.yaml"],
                        ["test", "rules"] + [os.path.basename(test) for test in tests]]:
            run = subprocess.run([promtool] + command, cwd=directory, capture_output=True, text=True)
            if run.returncode != 0:
                problems.append(f"promtool {' '.join(command)}:\n{run.stdout}{run.stderr}")

for problem in problems:
    print(problem, file=sys.stderr)
print(f"k8s: {len(objects)} objects checked against Kubernetes {version} and the KEDA and Prometheus operator "
      f"schemas; {len(dashboard['panels'])} dashboard panels; {rule_count} rules; {len(problems)} problems")
sys.exit(1 if problems else 0)
