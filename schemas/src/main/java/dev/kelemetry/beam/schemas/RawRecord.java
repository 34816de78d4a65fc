package dev.kelemetry.beam.schemas;

import java.io.Serializable;

/**
 * One piece of input text before parsing: a JSON line, a JSON document or a YAML document, with where it came from.
 *
 * @param source the input location (a file path or URI; later a topic/partition/offset)
 * @param line the 1-based line where the text starts in its source
 * @param text the text as read
 * @param cluster the cluster the source configuration names for this input, or empty
 */
public record RawRecord(String source, long line, String text, String cluster) implements Serializable {}
