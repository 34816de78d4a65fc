package dev.kelemetry.beam.pipelines.query;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kelemetry.beam.pipelines.Kelemetry;
import dev.kelemetry.beam.schemas.Rows;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/** Runs {@code kelemetry query ...} as the launcher does (the root command, its subcommand), with captured output. */
public final class QueryCli {
  private QueryCli() {}

  public record Run(int exitCode, String out, String err) {
    /** The rows of a {@code --format json} answer. */
    public List<JsonNode> rows() {
      List<JsonNode> rows = new ArrayList<>();
      for (String line : out.split("\n")) {
        if (!line.isBlank()) {
          try {
            rows.add(Rows.JSON.readTree(line));
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      }
      return rows;
    }
  }

  public static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    List<String> all = new ArrayList<>(List.of("query"));
    all.addAll(List.of(args));
    CommandLine cli = new CommandLine(new Kelemetry());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(all.toArray(String[]::new));
    return new Run(code, out.toString(), err.toString());
  }
}
