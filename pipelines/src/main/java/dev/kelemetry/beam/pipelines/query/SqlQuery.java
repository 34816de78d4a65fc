package dev.kelemetry.beam.pipelines.query;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A query's text and what its leading comment says: the question it answers (the first line) and the parameters it
 * takes, one {@code -- @param NAME TYPE DEFAULT description} line each. The types are BigQuery's, so the same line
 * tells a {@code bq query --parameter=NAME:TYPE:VALUE} user what to pass.
 */
public record SqlQuery(String name, String text, String question, Map<String, Param> params) {

  /** One declared parameter; {@code defaultValue} is the value when the command line gives none. */
  public record Param(String name, String type, String defaultValue, String description) {}

  private static final Pattern PARAM =
      Pattern.compile("@param\\s+([A-Za-z_]\\w*)\\s+([A-Za-z0-9_]+)\\s+('(?:[^']|'')*'|\\S+)\\s*(.*)");

  /** Reads the header of {@code text}: the comment lines before the first line of SQL. */
  public static SqlQuery parse(String name, String text) {
    String question = "";
    Map<String, Param> params = new LinkedHashMap<>();
    for (String line : text.split("\\R")) {
      String trimmed = line.strip();
      if (trimmed.isEmpty()) {
        continue;
      }
      if (!trimmed.startsWith("--")) {
        break;
      }
      String comment = trimmed.substring(2).strip();
      Matcher m = PARAM.matcher(comment);
      if (m.matches()) {
        params.put(m.group(1), new Param(m.group(1), m.group(2).toUpperCase(java.util.Locale.ROOT), unquote(m.group(3)),
            m.group(4)));
      } else if (question.isEmpty() && !comment.isEmpty()) {
        question = comment;
      }
    }
    return new SqlQuery(name, text, question, params);
  }

  /** A default written {@code 'text'} is the text; anything else (a number) is taken as written. */
  private static String unquote(String value) {
    if (value.length() >= 2 && value.startsWith("'") && value.endsWith("'")) {
      return value.substring(1, value.length() - 1).replace("''", "'");
    }
    return value;
  }
}
