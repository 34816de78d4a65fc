package dev.kelemetry.beam.pipelines.generate;

import static dev.kelemetry.beam.pipelines.generate.AuditEventWriter.MILLIS;
import static dev.kelemetry.beam.pipelines.generate.AuditEventWriter.SECONDS;
import static dev.kelemetry.beam.pipelines.generate.K8sObjects.arr;
import static dev.kelemetry.beam.pipelines.generate.K8sObjects.fields;
import static dev.kelemetry.beam.pipelines.generate.K8sObjects.meta;
import static dev.kelemetry.beam.pipelines.generate.K8sObjects.obj;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kelemetry.beam.pipelines.generate.AuditEventWriter.Actor;
import dev.kelemetry.beam.pipelines.generate.AuditEventWriter.Request;
import java.util.ArrayList;
import java.util.List;

/**
 * The cluster-wide cast: who talks to the apiserver, the nodes, event recording, and the
 * background chatter (leader-election and node leases, long-running watches) that a real control
 * plane produces whether or not anyone deploys anything.
 */
final class ControlPlane {
  static final String BUILD = "v1.31.0 (linux/amd64) kubernetes/9edcffc";
  private static final String CONTROL_PLANE_IP = "172.18.0.2";

  static final Actor ADMIN = new Actor(
      "kubernetes-admin", List.of("system:masters", "system:authenticated"), "kubectl/" + BUILD, "172.18.0.1");
  static final Actor DEPLOYMENT_CONTROLLER = controller("deployment-controller");
  static final Actor REPLICASET_CONTROLLER = controller("replicaset-controller");
  static final Actor GARBAGE_COLLECTOR = controller("generic-garbage-collector");
  static final Actor SCHEDULER = new Actor(
      "system:kube-scheduler", List.of("system:authenticated"), "kube-scheduler/" + BUILD + "/scheduler", CONTROL_PLANE_IP);
  private static final Actor SCHEDULER_ELECTION = new Actor(
      "system:kube-scheduler", List.of("system:authenticated"), "kube-scheduler/" + BUILD + "/leader-election", CONTROL_PLANE_IP);
  private static final Actor CONTROLLER_MANAGER_ELECTION = new Actor(
      "system:kube-controller-manager", List.of("system:authenticated"),
      "kube-controller-manager/" + BUILD + "/leader-election", CONTROL_PLANE_IP);
  private static final Actor APISERVER = new Actor(
      "system:apiserver", List.of("system:authenticated"), "kube-apiserver/" + BUILD, "::1");

  private static Actor controller(String serviceAccount) {
    String user = "system:serviceaccount:kube-system:" + serviceAccount;
    return new Actor(
        user,
        List.of("system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"),
        "kube-controller-manager/" + BUILD + "/" + user,
        CONTROL_PLANE_IP);
  }

  /** A worker node with its kubelet identity and pod CIDR. */
  static final class Node {
    final String name;
    final String uid;
    final String ip;
    final int index;
    final Actor kubelet;
    /** The Node object as the kubelet reads it back on every heartbeat. */
    ObjectNode object;
    private int nextPodIp;

    Node(int index, String uid) {
      this.index = index;
      this.name = "node-" + index;
      this.uid = uid;
      this.ip = "172.18.0." + (2 + index);
      this.kubelet = new Actor(
          "system:node:" + name, List.of("system:nodes", "system:authenticated"), "kubelet/" + BUILD, ip);
    }

    String allocatePodIp() {
      nextPodIp = nextPodIp % 250 + 1;
      return "10.244." + index + "." + (nextPodIp + 1);
    }
  }

  final AuditEventWriter log;
  final List<Node> nodes = new ArrayList<>();
  private int activeWorkloads;

  ControlPlane(AuditEventWriter log, int nodeCount) {
    this.log = log;
    for (int i = 1; i <= nodeCount; i++) {
      Node node = new Node(i, log.uuid());
      node.object = nodeObject(node);
      nodes.add(node);
    }
  }

  private ObjectNode nodeObject(Node node) {
    String created = log.seconds(log.now() - log.between(3600 * SECONDS, 7200 * SECONDS));
    ObjectNode labels = obj(
        "beta.kubernetes.io/arch", "amd64",
        "beta.kubernetes.io/os", "linux",
        "kubernetes.io/arch", "amd64",
        "kubernetes.io/hostname", node.name,
        "kubernetes.io/os", "linux");
    ObjectNode resources = obj("cpu", "8", "ephemeral-storage", "102626232Ki", "memory", "16318108Ki", "pods", "110");
    ObjectNode status = obj(
        "capacity", resources,
        "allocatable", resources,
        "conditions", arr(
            nodeCondition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available", created),
            nodeCondition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure", created),
            nodeCondition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available", created),
            nodeCondition("Ready", "True", "KubeletReady", "kubelet is posting ready status", created)),
        "addresses", arr(obj("type", "InternalIP", "address", node.ip), obj("type", "Hostname", "address", node.name)),
        "daemonEndpoints", obj("kubeletEndpoint", obj("Port", 10250)),
        "nodeInfo", obj(
            "machineID", log.uuid().replace("-", ""),
            "systemUUID", log.uuid(),
            "bootID", log.uuid(),
            "kernelVersion", "6.8.0-45-generic",
            "osImage", "Debian GNU/Linux 12 (bookworm)",
            "containerRuntimeVersion", "containerd://1.7.18",
            "kubeletVersion", "v1.31.0",
            "kubeProxyVersion", "",
            "operatingSystem", "linux",
            "architecture", "amd64"));
    ObjectNode object = obj(
        "kind", "Node",
        "apiVersion", "v1",
        "metadata", obj(
            "name", node.name,
            "uid", node.uid,
            "resourceVersion", Long.toString(Math.max(1, log.currentResourceVersion() - log.random.nextInt(300))),
            "creationTimestamp", created,
            "labels", labels,
            "annotations", obj(
                "node.alpha.kubernetes.io/ttl", "0",
                "volumes.kubernetes.io/controller-managed-attach-detach", "true")),
        "spec", obj(
            "podCIDR", "10.244." + node.index + ".0/24",
            "podCIDRs", arr("10.244." + node.index + ".0/24"),
            "providerID", "kind://docker/kind/" + node.name),
        "status", status);
    return object;
  }

  private static ObjectNode nodeCondition(String type, String status, String reason, String message, String time) {
    return obj("type", type, "status", status, "lastHeartbeatTime", time, "lastTransitionTime", time,
        "reason", reason, "message", message);
  }

  Node pickNode() {
    return nodes.get(log.random.nextInt(nodes.size()));
  }

  /** Background noise runs until the last workload has finished. */
  void workloadStarted() {
    activeWorkloads++;
  }

  void workloadFinished() {
    activeWorkloads--;
  }

  private boolean quiet() {
    return activeWorkloads <= 0;
  }

  // ---------------------------------------------------------------------------------------------
  // Events

  /** core/v1 Event as recorded by controllers and the kubelet through the legacy events API. */
  void recordEvent(
      Actor actor, String component, Node host, ObjectNode involved, String fieldPath,
      String type, String reason, String message) {
    long now = log.now();
    String namespace = meta(involved).path("namespace").asText();
    String name = K8sObjects.name(involved) + "." + Long.toHexString(now * 1000 + log.random.nextInt(1000));
    String stamp = log.seconds(now);
    ObjectNode source = obj("component", component);
    if (host != null) {
      source.put("host", host.name);
    }
    ObjectNode request = obj(
        "kind", "Event",
        "apiVersion", "v1",
        "metadata", obj("name", name, "namespace", namespace, "creationTimestamp", null),
        "involvedObject", K8sObjects.objectReference(involved, fieldPath),
        "reason", reason,
        "message", message,
        "source", source,
        "firstTimestamp", stamp,
        "lastTimestamp", stamp,
        "count", 1,
        "type", type,
        "eventTime", null,
        "reportingComponent", component,
        "reportingInstance", host == null ? "" : host.name);
    ObjectNode response = request.deepCopy();
    K8sObjects.persistNew(response, log.uuid(), log.nextResourceVersion(), null, stamp);
    K8sObjects.touchManager(response, host == null ? "kube-controller-manager" : "kubelet", "v1", null, stamp,
        EVENT_FIELDS);
    log.send(new Request(actor, "create", "events").in(namespace).named(name).body(request, response).code(201));
  }

  /** events.k8s.io/v1 Event, which kube-scheduler uses for its Scheduled events. */
  void recordSchedulerEvent(ObjectNode pod, Node node) {
    long now = log.now();
    String namespace = meta(pod).path("namespace").asText();
    String podName = K8sObjects.name(pod);
    String name = podName + "." + Long.toHexString(now * 1000 + log.random.nextInt(1000));
    ObjectNode request = obj(
        "kind", "Event",
        "apiVersion", "events.k8s.io/v1",
        "metadata", obj("name", name, "namespace", namespace, "creationTimestamp", null),
        "eventTime", log.micros(now),
        "reportingController", "default-scheduler",
        "reportingInstance", "default-scheduler-control-plane",
        "action", "Binding",
        "reason", "Scheduled",
        "regarding", K8sObjects.objectReference(pod, null),
        "note", "Successfully assigned " + namespace + "/" + podName + " to " + node.name,
        "type", "Normal");
    ObjectNode response = request.deepCopy();
    K8sObjects.persistNew(response, log.uuid(), log.nextResourceVersion(), null, log.seconds(now));
    log.send(new Request(SCHEDULER, "create", "events").group("events.k8s.io", "v1").in(namespace).named(name)
        .body(request, response).code(201));
  }

  private static final JsonNode EVENT_FIELDS = fields(
      "count", "firstTimestamp", "involvedObject", "lastTimestamp", "message", "reason", "reportingComponent",
      "reportingInstance", "source|component", "type");

  // ---------------------------------------------------------------------------------------------
  // Background noise

  /** Schedules leases and watches from {@code start} on; they stop once all workloads are done. */
  void startBackground(long start) {
    List<Actor> watchers = new ArrayList<>();
    watchers.add(SCHEDULER);
    for (Node node : nodes) {
      watchers.add(node.kubelet);
    }
    long at = start;
    for (Actor watcher : watchers) {
      at += log.between(MILLIS, 20 * MILLIS);
      log.schedule(at, () -> startPodWatch(watcher));
    }
    leaderLease(start, "kube-controller-manager", CONTROLLER_MANAGER_ELECTION, "control-plane_" + log.uuid());
    leaderLease(start, "kube-scheduler", SCHEDULER_ELECTION, "control-plane_" + log.uuid());
    apiserverLease(start);
    for (Node node : nodes) {
      nodeLease(start, node);
      nodeHeartbeat(start + log.between(0, 10 * SECONDS), node, log.random.nextInt(30));
    }
  }

  /**
   * The kubelet reads its Node every 10 s (nodeStatusUpdateFrequency) and, since nothing changes,
   * only patches the status heartbeat every 5 minutes (nodeStatusReportFrequency).
   */
  private void nodeHeartbeat(long at, Node node, int beat) {
    log.schedule(at, () -> {
      if (quiet()) {
        return;
      }
      long done = log.send(new Request(node.kubelet, "get", "nodes").named(node.name)
          .query("resourceVersion=0&timeout=10s").body(null, node.object));
      if (beat % 30 == 0) {
        log.schedule(done + log.between(2 * MILLIS, 10 * MILLIS), () -> patchNodeStatus(node));
      }
      nodeHeartbeat(log.now() + 10 * SECONDS + log.between(0, 20 * MILLIS), node, beat + 1);
    });
  }

  private void patchNodeStatus(Node node) {
    String now = log.seconds(log.now());
    ObjectNode patch = obj("status", obj(
        "$setElementOrder/conditions", arr(obj("type", "MemoryPressure"), obj("type", "DiskPressure"),
            obj("type", "PIDPressure"), obj("type", "Ready")),
        "conditions", arr()));
    for (JsonNode condition : node.object.path("status").path("conditions")) {
      ((ObjectNode) condition).put("lastHeartbeatTime", now);
      ((ArrayNode) patch.path("status").path("conditions"))
          .add(obj("lastHeartbeatTime", now, "type", condition.path("type").asText()));
    }
    K8sObjects.touchManager(node.object, "kubelet", "v1", "status", now, fields("status|conditions|k:{\"type\":\"Ready\"}|lastHeartbeatTime"));
    K8sObjects.setResourceVersion(node.object, log.nextResourceVersion());
    log.send(new Request(node.kubelet, "patch", "nodes").named(node.name).sub("status").body(patch, node.object));
  }

  private void startPodWatch(Actor watcher) {
    String query;
    if (watcher == SCHEDULER) {
      query = "allowWatchBookmarks=true&fieldSelector=status.phase%21%3DSucceeded%2Cstatus.phase%21%3DFailed"
          + "&resourceVersion=" + log.currentResourceVersion() + "&timeout=7m41s&timeoutSeconds=461&watch=true";
    } else {
      query = "allowWatchBookmarks=true&fieldSelector=spec.nodeName%3D" + watcher.username().substring("system:node:".length())
          + "&resourceVersion=" + log.currentResourceVersion() + "&timeoutSeconds=532&watch=true";
    }
    log.startWatch(new Request(watcher, "watch", "pods").query(query));
  }

  private ObjectNode newLease(String name, String namespace, String holder, int durationSeconds, long at) {
    String created = log.seconds(at - log.between(600 * SECONDS, 3600 * SECONDS));
    ObjectNode lease = obj(
        "kind", "Lease",
        "apiVersion", "coordination.k8s.io/v1",
        "metadata", obj("name", name, "namespace", namespace),
        "spec", obj(
            "holderIdentity", holder,
            "leaseDurationSeconds", durationSeconds,
            "renewTime", log.micros(at)));
    // Leases predate the generated window, so their resourceVersion is an older one.
    long resourceVersion = Math.max(1, log.currentResourceVersion() - log.random.nextInt(300));
    K8sObjects.persistNew(lease, log.uuid(), resourceVersion, null, created);
    return lease;
  }

  private void leaderLease(long start, String name, Actor actor, String holder) {
    ObjectNode lease = newLease(name, "kube-system", holder, 15, start);
    ObjectNode spec = (ObjectNode) lease.get("spec");
    spec.put("acquireTime", meta(lease).path("creationTimestamp").asText().replace("Z", ".000000Z"));
    spec.put("leaseTransitions", 0);
    JsonNode fields = fields("spec|acquireTime", "spec|holderIdentity", "spec|leaseDurationSeconds",
        "spec|leaseTransitions", "spec|renewTime");
    renewEvery(start + log.between(0, 2 * SECONDS), 2 * SECONDS, lease, actor, name, fields);
  }

  private void nodeLease(long start, Node node) {
    ObjectNode lease = newLease(node.name, "kube-node-lease", node.name, 40, start);
    meta(lease).set("ownerReferences", arr(obj("apiVersion", "v1", "kind", "Node", "name", node.name, "uid", node.uid)));
    JsonNode fields = fields("metadata|ownerReferences|.", "metadata|ownerReferences|k:{\"uid\":\"" + node.uid + "\"}",
        "spec|holderIdentity", "spec|leaseDurationSeconds", "spec|renewTime");
    renewEvery(start + log.between(0, 10 * SECONDS), 10 * SECONDS, lease, node.kubelet, "kubelet", fields);
  }

  /** Each apiserver keeps an identity lease in kube-system, renewed every 10 s. */
  private void apiserverLease(long start) {
    String name = "apiserver-" + log.uuid().replace("-", "").substring(0, 26);
    ObjectNode lease = newLease(name, "kube-system", name + "_" + log.uuid(), 3600, start);
    meta(lease).set("labels", obj("apiserver.kubernetes.io/identity", "kube-apiserver",
        "kubernetes.io/hostname", "control-plane"));
    K8sObjects.sortMetadata(lease);
    JsonNode fields = fields("metadata|labels|.", "metadata|labels|apiserver.kubernetes.io/identity",
        "metadata|labels|kubernetes.io/hostname", "spec|holderIdentity", "spec|leaseDurationSeconds", "spec|renewTime");
    renewEvery(start + log.between(0, 10 * SECONDS), 10 * SECONDS, lease, APISERVER, "kube-apiserver", fields);
  }

  private void renewEvery(long at, long period, ObjectNode lease, Actor actor, String manager, JsonNode fields) {
    log.schedule(at, () -> {
      if (quiet()) {
        return;
      }
      long now = log.now();
      ((ObjectNode) lease.get("spec")).put("renewTime", log.micros(now));
      K8sObjects.touchManager(lease, manager, "coordination.k8s.io/v1", null, log.seconds(now), fields);
      ObjectNode request = lease.deepCopy();
      K8sObjects.setResourceVersion(lease, log.nextResourceVersion());
      log.send(new Request(actor, "update", "leases").group("coordination.k8s.io", "v1")
          .in(meta(lease).path("namespace").asText()).named(K8sObjects.name(lease))
          .query("timeout=10s").body(request, lease));
      // Renewal loops run on a fixed period measured from the last attempt, with a little jitter.
      renewEvery(now + period + log.between(0, 5 * MILLIS), period, lease, actor, manager, fields);
    });
  }
}
