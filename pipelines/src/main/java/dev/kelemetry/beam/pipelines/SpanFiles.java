package dev.kelemetry.beam.pipelines;

import dev.kelemetry.beam.schemas.Rows;
import dev.kelemetry.beam.schemas.SpanRow;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Reads the span rows of a local output directory back, for the demo's tree and for tests. */
public final class SpanFiles {
  private SpanFiles() {}

  public static List<SpanRow> read(Path outputDir) throws IOException {
    return readRows(outputDir.resolve("spans"), SpanRow.class);
  }

  public static <T> List<T> readRows(Path dir, Class<T> type) throws IOException {
    List<T> rows = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return rows;
    }
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList()) {
        try (BufferedReader in = Files.newBufferedReader(f)) {
          for (String line; (line = in.readLine()) != null; ) {
            if (!line.isBlank()) {
              rows.add(Rows.fromJson(line, type));
            }
          }
        }
      }
    }
    return rows;
  }
}
