package dev.kelemetry.beam.testing.otlp;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.kelemetry.beam.testing.ParentWatchdog;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.metrics.v1.MetricsServiceGrpc;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The receiver process: OTLP/gRPC and OTLP/HTTP (protobuf) trace and metric endpoints on loopback, decoding each
 * request with the official generated classes and appending it, as protobuf's JSON, to {@code received.jsonl}
 * (traces) or {@code metrics.jsonl} (metrics) in its folder. The file {@code mode} in the folder says how to answer
 * either signal: {@code ok} (or no file), or {@code unavailable} (gRPC UNAVAILABLE, HTTP 503), read at every request so
 * a test can switch it mid-run; every refusal adds a line to {@code refused.log}. Arguments: the folder, the gRPC
 * port, the HTTP port. Ends when the test JVM is gone ({@link ParentWatchdog}).
 */
public final class ReceiverMain {
  private static final String TRACES = "received.jsonl";
  private static final String METRICS = "metrics.jsonl";

  private final Path dir;

  private ReceiverMain(Path dir) {
    this.dir = dir;
  }

  public static void main(String[] args) throws Exception {
    ParentWatchdog.start(System.in);
    ReceiverMain receiver = new ReceiverMain(Path.of(args[0]));
    Server grpc = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[1])))
        .addService(receiver.traceService()).addService(receiver.metricsService()).build().start();
    HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[2])), 0);
    http.createContext("/v1/traces", e -> receiver.http(e, TRACES, ExportTraceServiceRequest::parseFrom,
        ExportTraceServiceResponse.getDefaultInstance()));
    http.createContext("/v1/metrics", e -> receiver.http(e, METRICS, ExportMetricsServiceRequest::parseFrom,
        ExportMetricsServiceResponse.getDefaultInstance()));
    http.start();
    System.out.println("listening: gRPC on " + grpc.getPort() + ", HTTP on " + http.getAddress().getPort());
    grpc.awaitTermination();
  }

  private TraceServiceGrpc.TraceServiceImplBase traceService() {
    return new TraceServiceGrpc.TraceServiceImplBase() {
      @Override
      public void export(ExportTraceServiceRequest request, StreamObserver<ExportTraceServiceResponse> response) {
        grpc(TRACES, request, response, ExportTraceServiceResponse.getDefaultInstance());
      }
    };
  }

  private MetricsServiceGrpc.MetricsServiceImplBase metricsService() {
    return new MetricsServiceGrpc.MetricsServiceImplBase() {
      @Override
      public void export(ExportMetricsServiceRequest request, StreamObserver<ExportMetricsServiceResponse> response) {
        grpc(METRICS, request, response, ExportMetricsServiceResponse.getDefaultInstance());
      }
    };
  }

  /** Both signals' services answer alike; only the file they record to differs. */
  private <T> void grpc(String file, Message request, StreamObserver<T> response, T success) {
    try {
      if (refuse("grpc " + file)) {
        response.onError(Status.UNAVAILABLE.withDescription("receiver set to refuse").asRuntimeException());
        return;
      }
      record(file, request);
      response.onNext(success);
      response.onCompleted();
    } catch (IOException e) {
      response.onError(Status.INTERNAL.withDescription(e.toString()).asRuntimeException());
    }
  }

  /** A generated message's {@code parseFrom(byte[])}. */
  private interface Parser {
    Message parse(byte[] body) throws InvalidProtocolBufferException;
  }

  private void http(HttpExchange exchange, String file, Parser parser, Message success) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      if (!"POST".equals(exchange.getRequestMethod())) {
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      if (refuse("http " + file)) {
        exchange.sendResponseHeaders(503, -1);
        return;
      }
      record(file, parser.parse(body));
      byte[] answer = success.toByteArray();
      exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
      exchange.sendResponseHeaders(200, answer.length == 0 ? -1 : answer.length);
      if (answer.length > 0) {
        exchange.getResponseBody().write(answer);
      }
    }
  }

  private synchronized boolean refuse(String protocol) throws IOException {
    Path mode = dir.resolve("mode");
    boolean refuse = Files.exists(mode) && Files.readString(mode).strip().equals("unavailable");
    if (refuse) {
      Files.writeString(dir.resolve("refused.log"), protocol + "\n", StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
    return refuse;
  }

  private synchronized void record(String file, Message request) throws IOException {
    String json = JsonFormat.printer().omittingInsignificantWhitespace().print(request);
    Files.writeString(dir.resolve(file), json + "\n", StandardCharsets.UTF_8,
        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }
}
