package dev.kelemetry.beam.transforms.parse;

import dev.kelemetry.beam.schemas.ControlPlaneRecord;

/**
 * What became of one input item: an audit record, a dead letter (with the reason), or a counted filter decision.
 * Exactly one of these per item, so read = parsed + dead-lettered + filtered holds by construction.
 *
 * <p>An audit event that is not traced as a request (a list, a watch, a non-resource path, a write of an Event) still
 * counts in request metrics: its outcome carries that request, without bodies, as {@code untracedRequest}.
 */
public sealed interface ParseOutcome {
  /** 1-based line of the item in its source. */
  long line();

  record Parsed(long line, ControlPlaneRecord record, ControlPlaneRecord untracedRequest) implements ParseOutcome {
    public Parsed(long line, ControlPlaneRecord record) {
      this(line, record, null);
    }
  }

  record Failed(long line, String reason, String raw) implements ParseOutcome {}

  /** A well-formed record that does not describe an object write or read we can trace; {@code reason} is a counter name. */
  record Filtered(long line, String reason, ControlPlaneRecord untracedRequest) implements ParseOutcome {
    public Filtered(long line, String reason) {
      this(line, reason, null);
    }
  }

  /** The same outcome, carrying the audit request it came from for request metrics. */
  static ParseOutcome withUntracedRequest(ParseOutcome outcome, ControlPlaneRecord request) {
    if (outcome instanceof Parsed p) {
      return new Parsed(p.line(), p.record(), request);
    }
    if (outcome instanceof Filtered f) {
      return new Filtered(f.line(), f.reason(), request);
    }
    return outcome;
  }
}
