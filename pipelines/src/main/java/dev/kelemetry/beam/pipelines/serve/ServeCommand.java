package dev.kelemetry.beam.pipelines.serve;

import dev.kelemetry.beam.io.bigquery.BigQueryTarget;
import dev.kelemetry.beam.io.bigquery.StorageReads;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kelemetry serve}: the Jaeger query API over an output directory or a BigQuery dataset. */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Serve traces over the Jaeger query HTTP API and the built-in viewer, so the Jaeger UI, Grafana's Jaeger"
        + " data source or a browser can browse them with Kelemetry's display modes (docs/serve.md): an output directory"
        + " (held in memory, read again when its files change) or a BigQuery dataset (read per request).")
public final class ServeCommand implements Callable<Integer> {
  /** Exactly one place to read from. */
  static final class From {
    @Option(names = "--data", required = true, paramLabel = "DIR", description = "The output directory to serve (a backfill's or a stream's --output).")
    Path data;

    @Option(names = "--bigquery-dataset", required = true, paramLabel = "PROJECT:DATASET", description = "The dataset a run wrote with --bigquery-dataset; its spans table is read through the BigQuery Storage Read API with Application Default Credentials.")
    String dataset;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  From from;

  @Option(names = "--billing-project", paramLabel = "PROJECT", description = "The project BigQuery reads are billed to (default: the dataset's).")
  String billingProject;

  @Option(names = "--port", defaultValue = "16686", description = "Port (default: ${DEFAULT-VALUE}, Jaeger's own).")
  int port;

  @Option(names = "--bind", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}; 0.0.0.0 for every interface, e.g. for Grafana in a container).")
  String bind;

  /** Beam's fakes in tests; BigQuery itself when null. */
  org.apache.beam.sdk.io.gcp.bigquery.BigQueryServices bigQueryServices;

  @Override
  public Integer call() throws IOException, InterruptedException {
    SpanSource source;
    try {
      source = open();
    } catch (IOException | IllegalArgumentException e) {
      System.err.println("kelemetry serve: " + e.getMessage());
      return 2;
    }
    JaegerServer server = JaegerServer.start(source, bind, port);
    CountDownLatch stopped = new CountDownLatch(1);
    // Ctrl-C ends the JVM through its shutdown hooks: close the socket first so the port is free at once
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      source.close();
      stopped.countDown();
    }));
    System.out.println("serving " + source.describe());
    System.out.println("serving the Jaeger query API on " + server.uri() + "  (Ctrl-C stops)");
    stopped.await();
    return 0;
  }

  SpanSource open() throws IOException {
    if (from.data != null) {
      return LocalSpans.load(from.data);
    }
    BigQueryTarget target = BigQueryTarget.parse(from.dataset).withServices(bigQueryServices);
    return new BigQuerySpans(StorageReads.open(target, billingProject));
  }
}
