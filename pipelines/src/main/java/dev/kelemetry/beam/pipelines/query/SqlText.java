package dev.kelemetry.beam.pipelines.query;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The two changes a library query needs before DuckDB runs it; the file itself stays the text BigQuery runs.
 *
 * <p>Parameters are BigQuery's named query parameters, {@code @name}: {@code bq query --parameter=name:TYPE:value}
 * binds them there. DuckDB's JDBC driver has only positional {@code ?} parameters, so here each {@code @name} becomes
 * a SQL literal of the value. Only code is touched: an {@code @} inside a string, a quoted name or a comment stays.
 */
public final class SqlText {
  private SqlText() {}

  private static final Pattern PARAMETER = Pattern.compile("(?<![@\\w])@([A-Za-z_]\\w*)");
  private static final Pattern UNNEST = Pattern.compile("(?i)\\bUNNEST\\s*\\(");
  private static final Pattern ALIAS = Pattern.compile("(?i)\\s+AS\\s+([A-Za-z_]\\w*)(?!\\s*\\()");
  private static final Pattern INTEGER = Pattern.compile("-?\\d+");

  /**
   * {@code query}'s text with every {@code @name} replaced by the value given in {@code values}, else by the default its
   * header declares. A value for a parameter the query does not use, or a parameter used without a value, is an
   * error that names the parameters the query takes.
   */
  public static String bind(SqlQuery query, Map<String, String> values) {
    String sql = query.text();
    Set<String> used = new LinkedHashSet<>(parameters(sql));
    for (String given : values.keySet()) {
      if (!used.contains(given)) {
        throw new QueryException("query " + query.name() + " has no parameter '" + given + "'; " + takes(used));
      }
    }
    StringBuilder out = new StringBuilder();
    int last = 0;
    for (MatchResult m : inCode(PARAMETER, sql)) {
      String name = m.group(1);
      SqlQuery.Param declared = query.params().get(name);
      String value = values.containsKey(name) ? values.get(name) : declared == null ? null : declared.defaultValue();
      if (value == null) {
        throw new QueryException("query " + query.name() + " needs --param " + name + "=VALUE; " + takes(used));
      }
      out.append(sql, last, m.start()).append(literal(query.name(), name, declared == null ? null : declared.type(), value));
      last = m.end();
    }
    return out.append(sql.substring(last)).toString();
  }

  private static String takes(Set<String> used) {
    return used.isEmpty() ? "it takes none" : "it takes " + String.join(", ", new TreeSet<>(used));
  }

  /**
   * A value as a literal of its declared BigQuery type. An undeclared parameter (a query file without a header) is a
   * number when it reads as one, else a string.
   */
  static String literal(String query, String name, String type, String value) {
    String t = type == null ? (looksNumeric(value) ? "FLOAT64" : "STRING") : type;
    switch (t) {
      case "INT64", "INTEGER" -> {
        if (!INTEGER.matcher(value.strip()).matches()) {
          throw new QueryException("query " + query + ": parameter " + name + " is an INT64, got '" + value + "'");
        }
        return signed(value.strip());
      }
      case "FLOAT64", "NUMERIC", "BIGNUMERIC" -> {
        if (!looksNumeric(value)) {
          throw new QueryException("query " + query + ": parameter " + name + " is a " + t + ", got '" + value + "'");
        }
        return signed(new BigDecimal(value.strip()).toPlainString());
      }
      case "BOOL" -> {
        if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
          throw new QueryException("query " + query + ": parameter " + name + " is a BOOL, got '" + value + "'");
        }
        return value.toLowerCase(java.util.Locale.ROOT);
      }
      case "TIMESTAMP" -> {
        return "TIMESTAMP " + quote(value.strip());
      }
      default -> {
        return quote(value);
      }
    }
  }

  /** A negative number in parentheses: after a minus ({@code x-@n}) its sign would start a {@code --} comment. */
  private static String signed(String number) {
    return number.startsWith("-") ? "(" + number + ")" : number;
  }

  private static boolean looksNumeric(String value) {
    try {
      new BigDecimal(value.strip());
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static String quote(String value) {
    return "'" + value.replace("'", "''") + "'";
  }

  /**
   * BigQuery names the element of {@code UNNEST(array) AS b} itself {@code b}, so {@code b.value} is a field of the
   * element; DuckDB names the table {@code b} and its one column {@code unnest}. Naming the column too, {@code AS b(b)},
   * gives DuckDB BigQuery's meaning. Aliases that already name their columns are left as they are.
   */
  public static String forDuckDb(String sql) {
    boolean[] code = codeMask(sql);
    StringBuilder out = new StringBuilder();
    int last = 0;
    for (MatchResult m : inCode(UNNEST, sql)) {
      int close = closingParenthesis(sql, code, m.end());
      if (close < 0) {
        break; // unbalanced: DuckDB will say where
      }
      Matcher alias = ALIAS.matcher(sql).region(close + 1, sql.length());
      if (alias.lookingAt()) {
        out.append(sql, last, alias.end()).append('(').append(alias.group(1)).append(')');
        last = alias.end();
      }
    }
    return out.append(sql.substring(last)).toString();
  }

  private static int closingParenthesis(String sql, boolean[] code, int from) {
    int depth = 1;
    for (int i = from; i < sql.length(); i++) {
      if (!code[i]) {
        continue;
      }
      char c = sql.charAt(i);
      if (c == '(') {
        depth++;
      } else if (c == ')' && --depth == 0) {
        return i;
      }
    }
    return -1;
  }

  /**
   * For each character, whether it is SQL code rather than part of a string, a quoted name or a comment. Quotes end at
   * the next unescaped same quote (a doubled quote or a backslash escapes it: DuckDB uses the first, BigQuery the
   * second); {@code --} comments end at the line's end. (BigQuery's {@code #} comments are not used: in DuckDB {@code #1}
   * is a column.)
   */
  static boolean[] codeMask(String sql) {
    boolean[] code = new boolean[sql.length()];
    int i = 0;
    while (i < sql.length()) {
      char c = sql.charAt(i);
      int end;
      if (c == '\'' || c == '"' || c == '`') {
        end = quoteEnd(sql, i);
      } else if (c == '-' && sql.startsWith("--", i)) {
        int newline = sql.indexOf('\n', i);
        end = newline < 0 ? sql.length() : newline;
      } else if (c == '/' && sql.startsWith("/*", i)) {
        int close = sql.indexOf("*/", i + 2);
        end = close < 0 ? sql.length() : close + 2;
      } else {
        code[i] = true;
        i++;
        continue;
      }
      i = end;
    }
    return code;
  }

  private static int quoteEnd(String sql, int open) {
    char quote = sql.charAt(open);
    int i = open + 1;
    while (i < sql.length()) {
      char c = sql.charAt(i);
      if (c == '\\') {
        i += 2;
      } else if (c == quote && i + 1 < sql.length() && sql.charAt(i + 1) == quote) {
        i += 2;
      } else if (c == quote) {
        return i + 1;
      } else {
        i++;
      }
    }
    return sql.length();
  }

  /** The names used as {@code @name} in code, in order of first use. */
  public static List<String> parameters(String sql) {
    Set<String> used = new LinkedHashSet<>();
    inCode(PARAMETER, sql).forEach(m -> used.add(m.group(1)));
    return new ArrayList<>(used);
  }

  /** The matches of {@code pattern} that start in code, not in a string, a quoted name or a comment. */
  private static List<MatchResult> inCode(Pattern pattern, String sql) {
    boolean[] code = codeMask(sql);
    return pattern.matcher(sql).results().filter(m -> code[m.start()]).toList();
  }
}
