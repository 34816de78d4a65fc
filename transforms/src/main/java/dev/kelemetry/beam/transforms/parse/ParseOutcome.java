package dev.kelemetry.beam.transforms.parse;

import dev.kelemetry.beam.schemas.ControlPlaneRecord;

/**
 * What became of one input item: an audit record, a dead letter (with the reason), or a counted filter decision.
 * Exactly one of these per item, so read = parsed + dead-lettered + filtered holds by construction.
 */
public sealed interface ParseOutcome {
  /** 1-based line of the item in its source. */
  long line();

  record Parsed(long line, ControlPlaneRecord record) implements ParseOutcome {}

  record Failed(long line, String reason, String raw) implements ParseOutcome {}

  /** A well-formed record that does not describe an object write or read we can trace; {@code reason} is a counter name. */
  record Filtered(long line, String reason) implements ParseOutcome {}
}
