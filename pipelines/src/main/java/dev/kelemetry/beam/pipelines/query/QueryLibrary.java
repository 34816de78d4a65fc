package dev.kelemetry.beam.pipelines.query;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The SQL library: the top-level {@code queries/} folder, one {@code NAME.sql} per question, which the build puts on
 * the classpath under {@code queries/}. A query is named by its file name, or given as the path of any .sql file.
 */
public final class QueryLibrary {
  private QueryLibrary() {}

  private static final String FOLDER = "queries";

  /** The library's query names, sorted. */
  public static List<String> names() {
    return names(QueryLibrary.class.getClassLoader());
  }

  /** The names of the library {@code loader} finds: in a classes folder (the launcher's) or in a jar. */
  static List<String> names(ClassLoader loader) {
    URL folder = loader.getResource(FOLDER);
    if (folder == null) {
      return List.of();
    }
    try {
      URI uri = folder.toURI();
      if (!uri.getScheme().equals("jar")) {
        return sqlNames(Path.of(uri));
      }
      // inside a jar, the folder is read through a zip file system (one per jar, shared with any other reader)
      FileSystem jar;
      try {
        jar = FileSystems.newFileSystem(uri, Map.of());
      } catch (FileSystemAlreadyExistsException e) {
        jar = FileSystems.getFileSystem(uri);
      }
      return sqlNames(jar.getPath(FOLDER));
    } catch (URISyntaxException | IOException e) {
      throw new IllegalStateException("the query library at " + folder + " cannot be listed: " + e.getMessage(), e);
    }
  }

  private static List<String> sqlNames(Path folder) throws IOException {
    try (Stream<Path> files = Files.list(folder)) {
      return files.map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".sql"))
          .map(n -> n.substring(0, n.length() - ".sql".length()))
          .sorted()
          .toList();
    }
  }

  /**
   * The library's query {@code NAME}, or the file at {@code nameOrFile} when it names a file (a path, or anything
   * ending in .sql).
   */
  public static SqlQuery load(String nameOrFile) {
    if (nameOrFile.endsWith(".sql") || nameOrFile.contains("/") || nameOrFile.contains("\\")) {
      Path file = Path.of(nameOrFile);
      if (!Files.isRegularFile(file)) {
        throw new QueryException("no query file " + file);
      }
      try {
        return SqlQuery.parse(nameOrFile, Files.readString(file));
      } catch (IOException e) {
        throw new QueryException("query file " + file + " cannot be read: " + e.getMessage());
      }
    }
    try (InputStream in = QueryLibrary.class.getClassLoader().getResourceAsStream(FOLDER + "/" + nameOrFile + ".sql")) {
      if (in == null) {
        throw new QueryException("no query named '" + nameOrFile + "'; the library has: " + String.join(", ", names())
            + " (or give the path of a .sql file)");
      }
      return SqlQuery.parse(nameOrFile, new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
