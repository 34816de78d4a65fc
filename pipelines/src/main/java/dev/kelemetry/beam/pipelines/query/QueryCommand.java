package dev.kelemetry.beam.pipelines.query;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kelemetry query}: a library query, or a .sql file, over an output directory, on an in-process DuckDB. */
@Command(name = "query", mixinStandardHelpOptions = true,
    description = "Answer a question about a backfill's or a stream's output directory with SQL: a query of the library"
        + " (queries/, see docs/queries.md; --list shows them) or a SQL file, on DuckDB over the directory's spans, links,"
        + " dead_letters and metrics rows. The same SQL runs on the BigQuery tables with bq query.")
public final class QueryCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--data", paramLabel = "DIR", description = "The output directory to read (a backfill's --output).")
  Path data;

  @Parameters(index = "0", arity = "0..1", paramLabel = "NAME|FILE", description = "A library query's name, or the path of a .sql file.")
  String query;

  @Option(names = "--param", paramLabel = "NAME=VALUE", description = "A value for the query's @NAME (repeatable); the query's header lists its parameters and their defaults.")
  Map<String, String> params = new LinkedHashMap<>();

  @Option(names = "--format", defaultValue = "table", paramLabel = "table|csv|json", description = "table (aligned, the default), csv, or json (one object per line).")
  String format;

  @Option(names = "--chart", paramLabel = "FILE.png", description = "Also draw the answer over time: x the first timestamp column, y the number columns, a line per value of the text columns.")
  Path chart;

  @Option(names = "--list", description = "List the library's queries and the question each answers.")
  boolean list;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try {
      if (list) {
        for (String name : QueryLibrary.names()) {
          out.printf("%-24s %s%n", name, QueryLibrary.load(name).question());
        }
        return 0;
      }
      if (query == null) {
        throw new QueryException("give a query: one of " + String.join(", ", QueryLibrary.names()) + ", or a .sql file");
      }
      if (!List.of("table", "csv", "json").contains(format)) {
        throw new QueryException("--format is table, csv or json, not '" + format + "'");
      }
      if (data == null) {
        throw new QueryException("give the output directory to read: --data DIR");
      }
      SqlQuery sql = QueryLibrary.load(query);
      ResultTable result = run(data, sql, params);
      // the chart first: an answer that cannot be charted is an error before anything is printed, not after
      String note = chart == null ? "" : Charts.write(result, title(sql), chart);
      out.print(switch (format) {
        case "csv" -> result.csv();
        case "json" -> result.jsonLines();
        default -> result.table();
      });
      out.flush();
      if (chart != null) {
        spec.commandLine().getErr().println("chart: " + chart + (note.isEmpty() ? "" : " (" + note + ")"));
      }
      return 0;
    } catch (QueryException e) {
      spec.commandLine().getErr().println("kelemetry query: " + e.getMessage());
      return 2;
    }
  }

  /** The query's name and the question's head (up to its colon): a title that fits above a chart. */
  private static String title(SqlQuery sql) {
    String head = sql.question().split(":", 2)[0];
    return head.isEmpty() ? sql.name() : sql.name() + ": " + head;
  }

  /** Runs {@code query} with {@code params} over the directory: what the command prints, before it is printed. */
  public static ResultTable run(Path directory, SqlQuery query, Map<String, String> params) {
    String text = SqlText.forDuckDb(SqlText.bind(query, params));
    try (Connection db = LocalTables.open(directory);
        Statement statement = db.createStatement();
        ResultSet rows = statement.executeQuery(text)) {
      return ResultTable.read(rows);
    } catch (SQLException e) {
      throw new QueryException("query " + query.name() + " failed: " + oneLine(e.getMessage()));
    }
  }

  /**
   * DuckDB's message is several lines: the error, a suggestion, the query line with a caret. The error and the
   * suggestion, with the line number, are what a user needs on one line.
   */
  static String oneLine(String message) {
    if (message == null) {
      return "no message";
    }
    StringBuilder line = new StringBuilder();
    String where = "";
    for (String part : message.split("\\R")) {
      String p = part.strip();
      if (p.startsWith("LINE ")) {
        where = " (" + p.substring(0, p.indexOf(':') < 0 ? p.length() : p.indexOf(':')).toLowerCase(java.util.Locale.ROOT) + ")";
        break;
      }
      if (!p.isEmpty()) {
        line.append(line.length() == 0 ? "" : " ").append(p);
      }
    }
    return line + where;
  }
}
