package dev.kelemetry.beam.pipelines.serve;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A Kelemetry display mode, which the Jaeger UI shows as a "service": a base (how an object's requests are drawn) and
 * a modifier (which linked objects come along).
 *
 * @param base {@code tracing} (one span per object, its requests, Events and watched versions as logs on it) or
 *     {@code tree} (each of them its own child span of the object) or {@code timeline} (the root's span alone, with
 *     every request, Event and watched version of the objects shown as its children, in one flat list) or
 *     {@code grouped} (as tracing, the logs on one child span per object instead of on the object's span)
 * @param modifier which objects: only the searched one, its {@code full tree}, its {@code ancestors}, or its
 *     {@code owned objects}
 */
record DisplayMode(Base base, Modifier modifier) {

  enum Base {
    // new bases go last: the ordinal is part of the trace ids already handed out
    TRACING("tracing"), TREE("tree"), TIMELINE("timeline"), GROUPED("grouped");

    final String label;

    Base(String label) {
      this.label = label;
    }
  }

  enum Modifier {
    NONE(""), FULL_TREE("full tree"), ANCESTORS("ancestors"), OWNED_OBJECTS("owned objects");

    final String label;

    Modifier(String label) {
      this.label = label;
    }
  }

  /** Every mode, tracing first: the order of the UI's service list. */
  static List<DisplayMode> all() {
    List<DisplayMode> modes = new ArrayList<>();
    for (Base b : Base.values()) {
      for (Modifier m : Modifier.values()) {
        modes.add(new DisplayMode(b, m));
      }
    }
    return modes;
  }

  /** The service name, e.g. {@code tracing [full tree]}, as Kelemetry spells it. */
  String serviceName() {
    return modifier == Modifier.NONE ? base.label : base.label + " [" + modifier.label + "]";
  }

  static Optional<DisplayMode> parse(String serviceName) {
    return all().stream().filter(m -> m.serviceName().equals(serviceName)).findFirst();
  }

  /** Two hex digits inside a synthetic trace id; {@link #fromCode} reads them back. */
  String code() {
    return Integer.toHexString(base.ordinal()) + Integer.toHexString(modifier.ordinal());
  }

  static Optional<DisplayMode> fromCode(String code) {
    return all().stream().filter(m -> m.code().equals(code)).findFirst();
  }
}
