package dev.kelemetry.beam.pipelines.generate;

import static dev.kelemetry.beam.pipelines.generate.AuditEventWriter.MILLIS;
import static dev.kelemetry.beam.pipelines.generate.AuditEventWriter.SECONDS;
import static dev.kelemetry.beam.pipelines.generate.ControlPlane.ADMIN;
import static dev.kelemetry.beam.pipelines.generate.ControlPlane.DEPLOYMENT_CONTROLLER;
import static dev.kelemetry.beam.pipelines.generate.ControlPlane.GARBAGE_COLLECTOR;
import static dev.kelemetry.beam.pipelines.generate.ControlPlane.REPLICASET_CONTROLLER;
import static dev.kelemetry.beam.pipelines.generate.ControlPlane.SCHEDULER;
import static dev.kelemetry.beam.pipelines.generate.K8sObjects.arr;
import static dev.kelemetry.beam.pipelines.generate.K8sObjects.fields;
import static dev.kelemetry.beam.pipelines.generate.K8sObjects.meta;
import static dev.kelemetry.beam.pipelines.generate.K8sObjects.obj;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kelemetry.beam.pipelines.generate.AuditEventWriter.Actor;
import dev.kelemetry.beam.pipelines.generate.AuditEventWriter.Request;
import dev.kelemetry.beam.pipelines.generate.ControlPlane.Node;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One Deployment going through repeated create ... delete cycles, with the deployment controller,
 * ReplicaSet controller, scheduler, kubelets and garbage collector reacting the way they do in a
 * real cluster. Each phase waits until the cluster has settled (all pods ready, nothing
 * terminating, no controller reaction pending) before the user's next command ~20 s later.
 */
final class DeploymentLifecycle {
  static final String OLD_IMAGE = "nginx:1.25";
  static final String NEW_IMAGE = "nginx:1.26";
  private static final String[] POD_CONDITION_ORDER = {
    "PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"
  };

  private static final JsonNode KUBECTL_CREATE_FIELDS = fields(
      "metadata|labels|.", "metadata|labels|app", "spec|progressDeadlineSeconds", "spec|replicas",
      "spec|revisionHistoryLimit", "spec|selector", "spec|strategy|rollingUpdate|.",
      "spec|strategy|rollingUpdate|maxSurge", "spec|strategy|rollingUpdate|maxUnavailable", "spec|strategy|type",
      "spec|template|metadata|labels|.", "spec|template|metadata|labels|app",
      "spec|template|spec|containers|k:{\"name\":\"nginx\"}|.",
      "spec|template|spec|containers|k:{\"name\":\"nginx\"}|image",
      "spec|template|spec|containers|k:{\"name\":\"nginx\"}|name",
      "spec|template|spec|dnsPolicy", "spec|template|spec|restartPolicy", "spec|template|spec|schedulerName",
      "spec|template|spec|terminationGracePeriodSeconds");
  private static final JsonNode KUBECTL_SET_FIELDS =
      fields("spec|template|spec|containers|k:{\"name\":\"nginx\"}|image");
  private static final JsonNode KUBECTL_SCALE_FIELDS = fields("spec|replicas");
  private static final JsonNode DEPLOYMENT_REVISION_FIELDS =
      fields("metadata|annotations|.", "metadata|annotations|deployment.kubernetes.io/revision");
  private static final JsonNode DEPLOYMENT_STATUS_FIELDS = fields(
      "status|availableReplicas", "status|conditions|.", "status|conditions|k:{\"type\":\"Available\"}|.",
      "status|conditions|k:{\"type\":\"Progressing\"}|.", "status|observedGeneration", "status|readyReplicas",
      "status|replicas", "status|updatedReplicas");
  private static final JsonNode REPLICASET_STATUS_FIELDS = fields(
      "status|availableReplicas", "status|fullyLabeledReplicas", "status|observedGeneration",
      "status|readyReplicas", "status|replicas");
  private static final JsonNode POD_STATUS_FIELDS = fields(
      "status|conditions|k:{\"type\":\"ContainersReady\"}|.", "status|conditions|k:{\"type\":\"Initialized\"}|.",
      "status|conditions|k:{\"type\":\"PodReadyToStartContainers\"}|.", "status|conditions|k:{\"type\":\"Ready\"}|.",
      "status|containerStatuses", "status|hostIP", "status|hostIPs", "status|phase", "status|podIP", "status|podIPs",
      "status|startTime");

  private static final class ReplicaSetState {
    final ObjectNode object;
    final String name;
    final String uid;
    final int revision;
    final List<PodState> pods = new ArrayList<>();
    int pendingCreates;
    boolean deleted;

    ReplicaSetState(ObjectNode object, int revision) {
      this.object = object;
      this.name = K8sObjects.name(object);
      this.uid = K8sObjects.uid(object);
      this.revision = revision;
    }

    int desired() {
      return object.path("spec").path("replicas").asInt();
    }

    int ready() {
      int ready = 0;
      for (PodState pod : pods) {
        ready += pod.ready ? 1 : 0;
      }
      return ready;
    }

    boolean complete() {
      return pendingCreates == 0 && pods.size() == desired() && ready() == desired();
    }
  }

  private static final class PodState {
    final ObjectNode object;
    final ReplicaSetState owner;
    final String name;
    final String uid;
    final Map<String, ObjectNode> conditions = new LinkedHashMap<>();
    Node node;
    boolean ready;
    String phase = "Pending";
    String podIp;
    String startTime;
    ObjectNode containerStatus;

    PodState(ObjectNode object, ReplicaSetState owner) {
      this.object = object;
      this.owner = owner;
      this.name = K8sObjects.name(object);
      this.uid = K8sObjects.uid(object);
    }
  }

  private final ControlPlane cluster;
  private final AuditEventWriter log;
  private final String name;
  private final String namespace;
  private final boolean fullRollout;
  private final int multiplier;
  private int cyclesLeft;

  // State of the current cycle.
  private ObjectNode deployment;
  private final List<ReplicaSetState> replicaSets = new ArrayList<>();
  private ReplicaSetState current;
  private ReplicaSetState previous;
  private ObjectNode availableCondition;
  private ObjectNode progressingCondition;
  private boolean rolling;
  private int busy;
  private int terminating;
  private Runnable onSettled;
  private final ArrayDeque<Runnable> phases = new ArrayDeque<>();

  DeploymentLifecycle(
      ControlPlane cluster, String name, String namespace, boolean fullRollout, int multiplier, int cycles) {
    this.cluster = cluster;
    this.log = cluster.log;
    this.name = name;
    this.namespace = namespace;
    this.fullRollout = fullRollout;
    this.multiplier = multiplier;
    this.cyclesLeft = cycles;
  }

  void start(long at) {
    cluster.workloadStarted();
    startCycle(at);
  }

  // ---------------------------------------------------------------------------------------------
  // Orchestration helpers

  private void startCycle(long at) {
    log.schedule(at, () -> {
      deployment = null;
      replicaSets.clear();
      current = null;
      previous = null;
      availableCondition = null;
      progressingCondition = null;
      phases.clear();
      if (fullRollout) {
        phases.add(() -> scaleTo(4 * multiplier));
        phases.add(this::changeImage);
        phases.add(() -> scaleTo(2 * multiplier));
      } else {
        phases.add(this::changeImage);
      }
      phases.add(this::deleteDeployment);
      // The user checks whether the deployment exists before creating it.
      long done = getMissingDeployment();
      log.schedule(done + log.between(300 * MILLIS, 900 * MILLIS), this::createDeployment);
    });
  }

  /** Runs a controller's reaction 5-50 ms after {@code after}; tracked so phases wait for it. */
  private void react(long after, Runnable reaction) {
    busy++;
    log.schedule(log.react(after), () -> {
      busy--;
      reaction.run();
      checkSettled();
    });
  }

  /** Runs steps one after another, each 1-5 ms after the previous step's response. */
  private void serially(long after, Runnable... steps) {
    serialStep(after, steps, 0);
  }

  private void serialStep(long after, Runnable[] steps, int index) {
    if (index == steps.length) {
      return;
    }
    busy++;
    log.schedule(after + log.between(MILLIS, 5 * MILLIS), () -> {
      busy--;
      long requestsBefore = log.requestCount();
      steps[index].run();
      long next = log.requestCount() > requestsBefore ? log.lastCompleted() : log.now();
      serialStep(next, steps, index + 1);
      checkSettled();
    });
  }

  private void whenSettled(Runnable action) {
    onSettled = action;
  }

  private void checkSettled() {
    if (onSettled == null || busy > 0 || terminating > 0 || rolling) {
      return;
    }
    for (ReplicaSetState rs : replicaSets) {
      if (!rs.complete()) {
        return;
      }
    }
    Runnable action = onSettled;
    onSettled = null;
    react(log.now(), action);
  }

  /** The user's next command follows roughly 20 s after the cluster settled. */
  private void finishPhase() {
    updateDeploymentStatus();
    Runnable next = phases.poll();
    if (next != null) {
      log.schedule(log.now() + log.between(18 * SECONDS, 22 * SECONDS), next);
    }
  }

  private void finishCycle() {
    cyclesLeft--;
    if (cyclesLeft > 0) {
      startCycle(log.now() + log.between(3 * SECONDS, 8 * SECONDS));
    } else {
      cluster.workloadFinished();
    }
  }

  private int desiredReplicas() {
    return deployment.path("spec").path("replicas").asInt();
  }

  /** maxSurge 25% rounds up. */
  private static int surge(int replicas) {
    return (replicas + 3) / 4;
  }

  private String now() {
    return log.seconds(log.now());
  }

  private Request apps(Actor actor, String verb, String resource) {
    return new Request(actor, verb, resource).group("apps", "v1").in(namespace);
  }

  // ---------------------------------------------------------------------------------------------
  // User commands (kubectl)

  private long getMissingDeployment() {
    String message = "deployments.apps \"" + name + "\" not found";
    ObjectNode details = obj("name", name, "group", "apps", "kind", "deployments");
    return log.send(apps(ADMIN, "get", "deployments").named(name)
        .body(null, K8sObjects.status("Failure", 404, "NotFound", message, details))
        .failure(404, "NotFound", message));
  }

  private void createDeployment() {
    String stamp = now();
    ObjectNode request = K8sObjects.deploymentRequest(name, namespace, 2 * multiplier, OLD_IMAGE);
    deployment = request.deepCopy();
    K8sObjects.persistNew(deployment, log.uuid(), log.nextResourceVersion(), 1L, stamp);
    K8sObjects.touchManager(deployment, "kubectl-create", "apps/v1", null, stamp, KUBECTL_CREATE_FIELDS);
    long done = log.send(apps(ADMIN, "create", "deployments").named(name)
        .query("fieldManager=kubectl-create&fieldValidation=Strict").body(request, deployment).code(201));
    // A second `kubectl create` of the same manifest, as scripts that are re-run tend to do.
    log.schedule(done + log.between(150 * MILLIS, 700 * MILLIS), () -> createDuplicate(request));
    react(done, () -> createReplicaSet(2 * multiplier));
    whenSettled(this::finishPhase);
  }

  private void createDuplicate(ObjectNode request) {
    String message = "deployments.apps \"" + name + "\" already exists";
    ObjectNode details = obj("name", name, "group", "apps", "kind", "deployments");
    log.send(apps(ADMIN, "create", "deployments").named(name)
        .query("fieldManager=kubectl-create&fieldValidation=Strict")
        .body(request, K8sObjects.status("Failure", 409, "AlreadyExists", message, details))
        .failure(409, "AlreadyExists", message));
  }

  /** `kubectl scale deployment NAME --replicas=N` patches the scale subresource. */
  private void scaleTo(int replicas) {
    String stamp = now();
    ((ObjectNode) deployment.get("spec")).put("replicas", replicas);
    K8sObjects.bumpGeneration(deployment);
    K8sObjects.setResourceVersion(deployment, log.nextResourceVersion());
    K8sObjects.touchManager(deployment, "kubectl-scale", "apps/v1", "scale", stamp, KUBECTL_SCALE_FIELDS);
    int observedReplicas = deployment.path("status").path("replicas").asInt();
    ObjectNode scale = obj(
        "kind", "Scale",
        "apiVersion", "autoscaling/v1",
        "metadata", obj(
            "name", name,
            "namespace", namespace,
            "uid", K8sObjects.uid(deployment),
            "resourceVersion", meta(deployment).path("resourceVersion").asText(),
            "creationTimestamp", meta(deployment).path("creationTimestamp").asText()),
        "spec", obj("replicas", replicas),
        "status", obj("replicas", observedReplicas, "selector", "app=" + name));
    long done = log.send(apps(ADMIN, "patch", "deployments").named(name).sub("scale")
        .query("fieldManager=kubectl-scale").body(obj("spec", obj("replicas", replicas)), scale));
    react(done, () -> serially(log.now(), () -> resizeReplicaSet(current, replicas), this::updateDeploymentStatus));
    whenSettled(this::finishPhase);
  }

  /** `kubectl set image deployment/NAME nginx=IMAGE`: a GET, then a strategic merge patch. */
  private void changeImage() {
    log.send(apps(ADMIN, "get", "deployments").named(name).body(null, deployment.deepCopy()));
    log.schedule(log.lastCompleted() + log.between(20 * MILLIS, 80 * MILLIS), () -> {
      String stamp = now();
      ObjectNode container = (ObjectNode) deployment.path("spec").path("template").path("spec").path("containers").get(0);
      container.put("image", NEW_IMAGE);
      K8sObjects.bumpGeneration(deployment);
      K8sObjects.setResourceVersion(deployment, log.nextResourceVersion());
      K8sObjects.touchManager(deployment, "kubectl-set", "apps/v1", null, stamp, KUBECTL_SET_FIELDS);
      ObjectNode patch = obj("spec", obj("template", obj("spec", obj(
          "$setElementOrder/containers", arr(obj("name", "nginx")),
          "containers", arr(obj("image", NEW_IMAGE, "name", "nginx"))))));
      long done = log.send(apps(ADMIN, "patch", "deployments").named(name)
          .query("fieldManager=kubectl-set").body(patch, deployment));
      react(done, this::startRollout);
      whenSettled(this::finishPhase);
    });
  }

  /** `kubectl delete deployment NAME`: background propagation leaves the rest to the GC. */
  private void deleteDeployment() {
    ObjectNode options = obj("kind", "DeleteOptions", "apiVersion", "apps/v1", "propagationPolicy", "Background");
    ObjectNode details = obj("name", name, "group", "apps", "kind", "deployments", "uid", K8sObjects.uid(deployment));
    log.nextResourceVersion();
    long done = log.send(apps(ADMIN, "delete", "deployments").named(name)
        .body(options, K8sObjects.status("Success", 200, null, null, details)).status("Success"));
    deployment = null;
    List<ReplicaSetState> orphans = new ArrayList<>(replicaSets);
    replicaSets.clear();
    current = null;
    previous = null;
    react(done, () -> collectReplicaSets(orphans));
    whenSettled(this::finishCycle);
  }

  // ---------------------------------------------------------------------------------------------
  // Deployment controller

  private void createReplicaSet(int replicas) {
    String stamp = now();
    int revision = current == null ? 1 : current.revision + 1;
    String hash = K8sObjects.templateHash((ObjectNode) deployment.path("spec").path("template"));
    ObjectNode request = K8sObjects.replicaSetRequest(deployment, hash, replicas, revision, surge(desiredReplicas()));
    ObjectNode object = request.deepCopy();
    K8sObjects.persistNew(object, log.uuid(), log.nextResourceVersion(), 1L, stamp);
    K8sObjects.touchManager(object, "kube-controller-manager", "apps/v1", null, stamp,
        replicaSetFields(K8sObjects.uid(deployment)));
    long done = log.send(apps(DEPLOYMENT_CONTROLLER, "create", "replicasets").body(request, object).code(201));
    ReplicaSetState rs = new ReplicaSetState(object, revision);
    replicaSets.add(rs);
    previous = current;
    current = rs;
    serially(done,
        () -> scalingEvent(rs, "up", replicas),
        () -> setRevision(revision),
        this::updateDeploymentStatus);
    react(done, () -> syncReplicaSet(rs));
  }

  private static JsonNode replicaSetFields(String ownerUid) {
    return fields(
        "metadata|annotations|.", "metadata|annotations|deployment.kubernetes.io/desired-replicas",
        "metadata|annotations|deployment.kubernetes.io/max-replicas",
        "metadata|annotations|deployment.kubernetes.io/revision", "metadata|labels|.", "metadata|labels|app",
        "metadata|labels|pod-template-hash", "metadata|ownerReferences|.",
        "metadata|ownerReferences|k:{\"uid\":\"" + ownerUid + "\"}", "spec|replicas", "spec|selector",
        "spec|template|metadata|labels", "spec|template|spec|containers|k:{\"name\":\"nginx\"}|image");
  }

  private void scalingEvent(ReplicaSetState rs, String direction, int replicas) {
    if (deployment == null) {
      return;
    }
    cluster.recordEvent(DEPLOYMENT_CONTROLLER, "deployment-controller", null, deployment, null, "Normal",
        "ScalingReplicaSet", "Scaled " + direction + " replica set " + rs.name + " to " + replicas);
  }

  /** The controller records the rollout revision as an annotation: a metadata-only write. */
  private void setRevision(int revision) {
    if (deployment == null) {
      return;
    }
    ObjectNode metadata = meta(deployment);
    ObjectNode annotations = metadata.has("annotations") ? (ObjectNode) metadata.get("annotations") : obj();
    annotations.put("deployment.kubernetes.io/revision", Integer.toString(revision));
    metadata.set("annotations", annotations);
    K8sObjects.sortMetadata(deployment);
    K8sObjects.touchManager(deployment, "kube-controller-manager", "apps/v1", null, now(), DEPLOYMENT_REVISION_FIELDS);
    ObjectNode request = deployment.deepCopy();
    K8sObjects.setResourceVersion(deployment, log.nextResourceVersion());
    log.send(apps(DEPLOYMENT_CONTROLLER, "update", "deployments").named(name).body(request, deployment));
  }

  /** Changes spec.replicas of a ReplicaSet (a spec change, so its generation moves too). */
  private void resizeReplicaSet(ReplicaSetState rs, int replicas) {
    int before = rs.desired();
    if (before == replicas || deployment == null) {
      return;
    }
    ((ObjectNode) rs.object.get("spec")).put("replicas", replicas);
    int desired = desiredReplicas();
    meta(rs.object).set("annotations", K8sObjects.replicaSetAnnotations(desired, desired + surge(desired), rs.revision));
    K8sObjects.bumpGeneration(rs.object);
    K8sObjects.touchManager(rs.object, "kube-controller-manager", "apps/v1", null, now(),
        replicaSetFields(K8sObjects.uid(deployment)));
    ObjectNode request = rs.object.deepCopy();
    K8sObjects.setResourceVersion(rs.object, log.nextResourceVersion());
    long done = log.send(apps(DEPLOYMENT_CONTROLLER, "update", "replicasets").named(rs.name)
        .body(request, rs.object));
    serially(done, () -> scalingEvent(rs, replicas > before ? "up" : "down", replicas));
    react(done, () -> syncReplicaSet(rs));
  }

  private void startRollout() {
    rolling = true;
    createReplicaSet(surge(desiredReplicas()));
  }

  /**
   * One rolling-update step, taken whenever the new ReplicaSet is fully available: shrink the old
   * one by what the new one gained, then grow the new one by maxSurge.
   */
  private void rolloutStep() {
    if (!rolling || deployment == null) {
      return;
    }
    int total = desiredReplicas();
    ReplicaSetState next = current;
    ReplicaSetState old = previous;
    int oldTarget = Math.max(0, total - next.desired());
    int newTarget = Math.min(total, next.desired() + surge(total));
    List<Runnable> steps = new ArrayList<>();
    if (oldTarget < old.desired()) {
      steps.add(() -> resizeReplicaSet(old, oldTarget));
    }
    if (newTarget > next.desired()) {
      steps.add(() -> resizeReplicaSet(next, newTarget));
    }
    steps.add(this::updateDeploymentStatus);
    if (oldTarget == 0 && newTarget == total) {
      rolling = false;
    }
    serially(log.now(), steps.toArray(new Runnable[0]));
  }

  private void updateDeploymentStatus() {
    if (deployment == null) {
      return;
    }
    int desired = desiredReplicas();
    int replicas = 0;
    int ready = 0;
    for (ReplicaSetState rs : replicaSets) {
      replicas += rs.pods.size();
      ready += rs.ready();
    }
    int updated = current == null ? 0 : current.pods.size();
    int unavailable = Math.max(0, desired - ready);
    String stamp = now();
    boolean available = ready >= desired - desired / 4;
    availableCondition = deploymentCondition(availableCondition, "Available", available ? "True" : "False",
        available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
        available ? "Deployment has minimum availability." : "Deployment does not have minimum availability.", stamp);
    String progressReason;
    String progressMessage;
    boolean oldPodsLeft = replicas > updated;
    if (current != null && current.complete() && !oldPodsLeft && current.desired() == desired) {
      progressReason = "NewReplicaSetAvailable";
      progressMessage = "ReplicaSet \"" + current.name + "\" has successfully progressed.";
    } else if (current != null && current.pods.isEmpty() && progressingCondition == null) {
      progressReason = "NewReplicaSetCreated";
      progressMessage = "Created new replica set \"" + current.name + "\"";
    } else {
      progressReason = "ReplicaSetUpdated";
      progressMessage = "ReplicaSet \"" + (current == null ? name : current.name) + "\" is progressing.";
    }
    progressingCondition = deploymentCondition(progressingCondition, "Progressing", "True", progressReason,
        progressMessage, stamp);

    ObjectNode status = obj("observedGeneration", K8sObjects.generation(deployment));
    putIfPositive(status, "replicas", replicas);
    putIfPositive(status, "updatedReplicas", updated);
    putIfPositive(status, "readyReplicas", ready);
    putIfPositive(status, "availableReplicas", ready);
    putIfPositive(status, "unavailableReplicas", unavailable);
    status.set("conditions", arr(availableCondition, progressingCondition));
    // Like the real controller, skip the write when nothing changed.
    if (status.equals(deployment.get("status"))) {
      return;
    }
    deployment.set("status", status);
    K8sObjects.touchManager(deployment, "kube-controller-manager", "apps/v1", "status", stamp, DEPLOYMENT_STATUS_FIELDS);
    ObjectNode request = deployment.deepCopy();
    K8sObjects.setResourceVersion(deployment, log.nextResourceVersion());
    log.send(apps(DEPLOYMENT_CONTROLLER, "update", "deployments").named(name).sub("status").body(request, deployment));
  }

  private static ObjectNode deploymentCondition(
      ObjectNode previous, String type, String status, String reason, String message, String stamp) {
    if (previous != null && previous.path("status").asText().equals(status)
        && previous.path("reason").asText().equals(reason) && previous.path("message").asText().equals(message)) {
      return previous;
    }
    String transition = previous != null && previous.path("status").asText().equals(status)
        ? previous.path("lastTransitionTime").asText() : stamp;
    return obj("type", type, "status", status, "lastUpdateTime", stamp, "lastTransitionTime", transition,
        "reason", reason, "message", message);
  }

  private static void putIfPositive(ObjectNode node, String field, int value) {
    if (value > 0) {
      node.put(field, value);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // ReplicaSet controller

  private void syncReplicaSet(ReplicaSetState rs) {
    if (rs.deleted) {
      return;
    }
    int diff = rs.desired() - rs.pods.size() - rs.pendingCreates;
    if (diff == 0) {
      return;
    }
    long at = log.now();
    if (diff > 0) {
      for (int i = 0; i < diff; i++) {
        rs.pendingCreates++;
        at += log.between(2 * MILLIS, 8 * MILLIS);
        busy++;
        log.schedule(at, () -> {
          busy--;
          createPod(rs);
        });
      }
    } else {
      for (PodState victim : pickVictims(rs, -diff)) {
        at += log.between(2 * MILLIS, 8 * MILLIS);
        deletePodGracefully(victim, REPLICASET_CONTROLLER, at);
      }
    }
    serially(at + log.between(10 * MILLIS, 30 * MILLIS), () -> updateReplicaSetStatus(rs));
  }

  /** Like the controller's ranking: not-ready pods go first, then the most recently created. */
  private static List<PodState> pickVictims(ReplicaSetState rs, int count) {
    List<PodState> ranked = new ArrayList<>();
    for (PodState pod : rs.pods) {
      if (!pod.ready) {
        ranked.add(pod);
      }
    }
    for (int i = rs.pods.size() - 1; i >= 0; i--) {
      if (rs.pods.get(i).ready) {
        ranked.add(rs.pods.get(i));
      }
    }
    List<PodState> victims = new ArrayList<>(ranked.subList(0, Math.min(count, ranked.size())));
    rs.pods.removeAll(victims);
    return victims;
  }

  private void createPod(ReplicaSetState rs) {
    String stamp = now();
    ObjectNode request = K8sObjects.podRequest(rs.object);
    ObjectNode object = request.deepCopy();
    StringBuilder podName = new StringBuilder(rs.name).append('-');
    for (int i = 0; i < 5; i++) {
      podName.append(K8sObjects.NAME_ALPHABET.charAt(log.random.nextInt(K8sObjects.NAME_ALPHABET.length())));
    }
    meta(object).put("name", podName.toString());
    K8sObjects.defaultPod(object);
    K8sObjects.persistNew(object, log.uuid(), log.nextResourceVersion(), null, stamp);
    K8sObjects.touchManager(object, "kube-controller-manager", "v1", null, stamp, fields(
        "metadata|generateName", "metadata|labels|.", "metadata|labels|app", "metadata|labels|pod-template-hash",
        "metadata|ownerReferences|.", "metadata|ownerReferences|k:{\"uid\":\"" + rs.uid + "\"}",
        "spec|containers|k:{\"name\":\"nginx\"}|image", "spec|dnsPolicy", "spec|restartPolicy"));
    // generateName creates: the URL and the request body carry no name, only the response does.
    long done = log.send(new Request(REPLICASET_CONTROLLER, "create", "pods").in(namespace)
        .body(request, object).code(201));
    rs.pendingCreates--;
    PodState pod = new PodState(object, rs);
    rs.pods.add(pod);
    serially(done, () -> cluster.recordEvent(REPLICASET_CONTROLLER, "replicaset-controller", null, rs.object, null,
        "Normal", "SuccessfulCreate", "Created pod: " + pod.name));
    react(done, () -> bindPod(pod));
  }

  private void updateReplicaSetStatus(ReplicaSetState rs) {
    if (rs.deleted) {
      return;
    }
    int ready = rs.ready();
    ObjectNode status = obj("replicas", rs.pods.size());
    putIfPositive(status, "fullyLabeledReplicas", rs.pods.size());
    putIfPositive(status, "readyReplicas", ready);
    putIfPositive(status, "availableReplicas", ready);
    status.put("observedGeneration", K8sObjects.generation(rs.object));
    if (status.equals(rs.object.get("status"))) {
      return;
    }
    rs.object.set("status", status);
    K8sObjects.touchManager(rs.object, "kube-controller-manager", "apps/v1", "status", now(), REPLICASET_STATUS_FIELDS);
    ObjectNode request = rs.object.deepCopy();
    K8sObjects.setResourceVersion(rs.object, log.nextResourceVersion());
    log.send(apps(REPLICASET_CONTROLLER, "update", "replicasets").named(rs.name).sub("status")
        .body(request, rs.object));
  }

  // ---------------------------------------------------------------------------------------------
  // Scheduler and kubelet

  private void bindPod(PodState pod) {
    if (!pod.owner.pods.contains(pod)) {
      return;
    }
    Node node = cluster.pickNode();
    pod.node = node;
    ObjectNode binding = obj(
        "kind", "Binding",
        "apiVersion", "v1",
        "metadata", obj("name", pod.name, "namespace", namespace, "uid", pod.uid, "creationTimestamp", null),
        "target", obj("kind", "Node", "name", node.name));
    ((ObjectNode) pod.object.get("spec")).put("nodeName", node.name);
    setPodCondition(pod, "PodScheduled", "True", null, null);
    renderPodStatus(pod);
    K8sObjects.setResourceVersion(pod.object, log.nextResourceVersion());
    long done = log.send(new Request(SCHEDULER, "create", "pods").in(namespace).named(pod.name).sub("binding")
        .body(binding, K8sObjects.status("Success", 201, null, null, null)).status("Success").code(201));
    serially(done, () -> cluster.recordSchedulerEvent(pod.object, node));
    // The kubelet notices the pod and reports ContainerCreating, then the sandbox, then starts the
    // (cached) image. Its status manager re-reads the pod before every status patch.
    serially(done + log.between(80 * MILLIS, 300 * MILLIS),
        () -> kubeletGetPod(pod),
        () -> reportContainerCreating(pod));
    serially(done + log.between(350 * MILLIS, 800 * MILLIS),
        () -> kubeletGetPod(pod),
        () -> reportSandboxReady(pod));
    serially(done + log.between(900 * MILLIS, 2700 * MILLIS),
        () -> kubeletEvent(pod, "Pulled", "Container image \"" + image(pod) + "\" already present on machine"),
        () -> kubeletEvent(pod, "Created", "Created container nginx"),
        () -> kubeletEvent(pod, "Started", "Started container nginx"),
        () -> kubeletGetPod(pod),
        () -> reportRunning(pod));
  }

  private static String image(PodState pod) {
    return pod.object.path("spec").path("containers").path(0).path("image").asText();
  }

  private void kubeletEvent(PodState pod, String reason, String message) {
    cluster.recordEvent(pod.node.kubelet, "kubelet", pod.node, pod.object, "spec.containers{nginx}", "Normal",
        reason, message);
  }

  private void setPodCondition(PodState pod, String type, String status, String reason, String message) {
    ObjectNode previousCondition = pod.conditions.get(type);
    String transition = previousCondition != null && previousCondition.path("status").asText().equals(status)
        ? previousCondition.path("lastTransitionTime").asText() : now();
    ObjectNode condition = K8sObjects.condition(type, status, reason, message, transition);
    pod.conditions.put(type, condition);
  }

  private ArrayNode orderedConditions(PodState pod) {
    ArrayNode conditions = K8sObjects.NODES.arrayNode();
    for (String type : POD_CONDITION_ORDER) {
      if (pod.conditions.containsKey(type)) {
        conditions.add(pod.conditions.get(type));
      }
    }
    return conditions;
  }

  /** Writes PodStatus in the apiserver's field order from the tracked facts. */
  private void renderPodStatus(PodState pod) {
    ObjectNode status = obj("phase", pod.phase, "conditions", orderedConditions(pod));
    if (pod.node != null && pod.startTime != null) {
      status.put("hostIP", pod.node.ip);
      status.set("hostIPs", arr(obj("ip", pod.node.ip)));
    }
    if (pod.podIp != null) {
      status.put("podIP", pod.podIp);
      status.set("podIPs", arr(obj("ip", pod.podIp)));
    }
    if (pod.startTime != null) {
      status.put("startTime", pod.startTime);
    }
    if (pod.containerStatus != null) {
      status.set("containerStatuses", arr(pod.containerStatus));
    }
    status.put("qosClass", "BestEffort");
    pod.object.set("status", status);
  }

  /**
   * Sends the kubelet's status patch: strategic merge with $setElementOrder for the conditions and
   * only the changed conditions, as the status manager computes it.
   */
  private void patchPodStatus(PodState pod, List<String> changed, ObjectNode extra) {
    ObjectNode status = K8sObjects.NODES.objectNode();
    ArrayNode order = status.putArray("$setElementOrder/conditions");
    for (String type : POD_CONDITION_ORDER) {
      order.add(obj("type", type));
    }
    ArrayNode conditions = status.putArray("conditions");
    for (String type : changed) {
      ObjectNode condition = pod.conditions.get(type).deepCopy();
      condition.remove("lastProbeTime");
      conditions.add(condition);
    }
    status.setAll(extra);
    ObjectNode patch = obj("metadata", obj("uid", pod.uid), "status", status);
    renderPodStatus(pod);
    K8sObjects.touchManager(pod.object, "kubelet", "v1", "status", now(), POD_STATUS_FIELDS);
    K8sObjects.setResourceVersion(pod.object, log.nextResourceVersion());
    log.send(new Request(pod.node.kubelet, "patch", "pods").in(namespace).named(pod.name).sub("status")
        .body(patch, pod.object));
  }

  private void reportContainerCreating(PodState pod) {
    if (!pod.owner.pods.contains(pod)) {
      return;
    }
    pod.startTime = now();
    String unready = "containers with unready status: [nginx]";
    setPodCondition(pod, "PodReadyToStartContainers", "False", null, null);
    setPodCondition(pod, "Initialized", "True", null, null);
    setPodCondition(pod, "Ready", "False", "ContainersNotReady", unready);
    setPodCondition(pod, "ContainersReady", "False", "ContainersNotReady", unready);
    pod.containerStatus = obj(
        "name", "nginx",
        "state", obj("waiting", obj("reason", "ContainerCreating")),
        "lastState", obj(),
        "ready", false,
        "restartCount", 0,
        "image", image(pod),
        "imageID", "",
        "started", false);
    ObjectNode extra = obj(
        "containerStatuses", arr(pod.containerStatus),
        "hostIP", pod.node.ip,
        "hostIPs", arr(obj("ip", pod.node.ip)),
        "startTime", pod.startTime);
    patchPodStatus(pod, List.of("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady"), extra);
  }

  private void kubeletGetPod(PodState pod) {
    if (pod.node == null) {
      return;
    }
    log.send(new Request(pod.node.kubelet, "get", "pods").in(namespace).named(pod.name).body(null, pod.object));
  }

  private void reportSandboxReady(PodState pod) {
    if (!pod.owner.pods.contains(pod)) {
      return;
    }
    setPodCondition(pod, "PodReadyToStartContainers", "True", null, null);
    patchPodStatus(pod, List.of("PodReadyToStartContainers"), obj());
  }

  private void reportRunning(PodState pod) {
    if (!pod.owner.pods.contains(pod)) {
      return;
    }
    String image = image(pod);
    pod.phase = "Running";
    pod.podIp = pod.node.allocatePodIp();
    setPodCondition(pod, "Ready", "True", null, null);
    setPodCondition(pod, "ContainersReady", "True", null, null);
    pod.containerStatus = obj(
        "name", "nginx",
        "state", obj("running", obj("startedAt", now())),
        "lastState", obj(),
        "ready", true,
        "restartCount", 0,
        "image", "docker.io/library/" + image,
        "imageID", "docker.io/library/nginx@sha256:" + hex(image.hashCode(), 64),
        "containerID", "containerd://" + hex(log.random.nextLong(), 64),
        "started", true);
    ObjectNode extra = obj(
        "containerStatuses", arr(pod.containerStatus),
        "phase", "Running",
        "podIP", pod.podIp,
        "podIPs", arr(obj("ip", pod.podIp)));
    patchPodStatus(pod, List.of("Ready", "ContainersReady"), extra);
    pod.ready = true;
    ReplicaSetState rs = pod.owner;
    // The ReplicaSet controller and then the deployment controller pick up the readiness change.
    serially(log.lastCompleted() + log.between(4 * MILLIS, 40 * MILLIS),
        () -> updateReplicaSetStatus(rs),
        this::updateDeploymentStatus,
        () -> {
          if (rolling && rs == current && rs.complete()) {
            rolloutStep();
          }
        });
  }

  /** Deterministic pseudo-digest: stretches a seed into {@code length} hex digits. */
  private static String hex(long seed, int length) {
    StringBuilder digits = new StringBuilder(length);
    long state = seed;
    while (digits.length() < length) {
      state = state * 6364136223846793005L + 1442695040888963407L;
      String chunk = Long.toHexString(state);
      digits.append("0000000000000000", 0, 16 - chunk.length()).append(chunk);
    }
    return digits.substring(0, length);
  }

  // ---------------------------------------------------------------------------------------------
  // Pod termination and garbage collection

  /**
   * Graceful delete as a controller issues it: the apiserver only stamps deletionTimestamp; the
   * kubelet stops the container, reports the terminal status and removes the object for good.
   */
  private void deletePodGracefully(PodState pod, Actor actor, long at) {
    terminating++;
    busy++;
    log.schedule(at, () -> {
      busy--;
      ObjectNode options = obj("kind", "DeleteOptions", "apiVersion", "v1");
      if (actor == GARBAGE_COLLECTOR) {
        options.put("propagationPolicy", "Background");
        options.set("preconditions", obj("uid", pod.uid));
      }
      ObjectNode metadata = meta(pod.object);
      metadata.put("deletionTimestamp", log.seconds(log.now() + 30 * SECONDS));
      metadata.put("deletionGracePeriodSeconds", 30);
      K8sObjects.sortMetadata(pod.object);
      K8sObjects.setResourceVersion(pod.object, log.nextResourceVersion());
      long done = log.send(new Request(actor, "delete", "pods").in(namespace).named(pod.name)
          .body(options, pod.object));
      if (actor == REPLICASET_CONTROLLER) {
        serially(done, () -> cluster.recordEvent(REPLICASET_CONTROLLER, "replicaset-controller", null,
            pod.owner.object, null, "Normal", "SuccessfulDelete", "Deleted pod: " + pod.name));
      }
      serially(log.react(done), () -> kubeletEvent(pod, "Killing", "Stopping container nginx"));
      serially(done + log.between(300 * MILLIS, 1500 * MILLIS),
          () -> kubeletGetPod(pod),
          () -> reportTerminated(pod),
          () -> removePod(pod));
      checkSettled();
    });
  }

  private void reportTerminated(PodState pod) {
    String finished = now();
    String reason = "PodCompleted";
    pod.phase = "Succeeded";
    pod.ready = false;
    setPodCondition(pod, "PodReadyToStartContainers", "False", null, null);
    setPodCondition(pod, "Ready", "False", reason, null);
    setPodCondition(pod, "ContainersReady", "False", reason, null);
    ObjectNode running = (ObjectNode) pod.containerStatus.path("state").path("running");
    String containerId = pod.containerStatus.path("containerID").asText();
    pod.containerStatus = obj(
        "name", "nginx",
        "state", obj("terminated", obj(
            "exitCode", 0,
            "reason", "Completed",
            "startedAt", running.path("startedAt").asText(finished),
            "finishedAt", finished,
            "containerID", containerId)),
        "lastState", obj(),
        "ready", false,
        "restartCount", 0,
        "image", pod.containerStatus.path("image").asText(),
        "imageID", pod.containerStatus.path("imageID").asText(),
        "containerID", containerId,
        "started", false);
    patchPodStatus(pod, List.of("PodReadyToStartContainers", "Ready", "ContainersReady"),
        obj("containerStatuses", arr(pod.containerStatus), "phase", "Succeeded"));
  }

  /** The kubelet's final delete with grace period 0 and a uid precondition. */
  private void removePod(PodState pod) {
    ObjectNode options = obj("kind", "DeleteOptions", "apiVersion", "v1", "gracePeriodSeconds", 0,
        "preconditions", obj("uid", pod.uid));
    meta(pod.object).put("deletionGracePeriodSeconds", 0);
    K8sObjects.setResourceVersion(pod.object, log.nextResourceVersion());
    log.send(new Request(pod.node.kubelet, "delete", "pods").in(namespace).named(pod.name)
        .body(options, pod.object));
    terminating--;
  }

  /** The garbage collector deletes ReplicaSets whose owner is gone, then their pods. */
  private void collectReplicaSets(List<ReplicaSetState> orphans) {
    List<Runnable> steps = new ArrayList<>();
    for (ReplicaSetState rs : orphans) {
      steps.add(() -> {
        ObjectNode options = obj("kind", "DeleteOptions", "apiVersion", "apps/v1", "propagationPolicy", "Background",
            "preconditions", obj("uid", rs.uid));
        ObjectNode details = obj("name", rs.name, "group", "apps", "kind", "replicasets", "uid", rs.uid);
        log.nextResourceVersion();
        long done = log.send(apps(GARBAGE_COLLECTOR, "delete", "replicasets").named(rs.name)
            .body(options, K8sObjects.status("Success", 200, null, null, details)).status("Success"));
        rs.deleted = true;
        react(done, () -> collectPods(rs));
      });
    }
    serially(log.now(), steps.toArray(new Runnable[0]));
  }

  private void collectPods(ReplicaSetState rs) {
    long at = log.now();
    List<PodState> pods = new ArrayList<>(rs.pods);
    rs.pods.clear();
    for (PodState pod : pods) {
      at += log.between(2 * MILLIS, 8 * MILLIS);
      deletePodGracefully(pod, GARBAGE_COLLECTOR, at);
    }
  }
}
