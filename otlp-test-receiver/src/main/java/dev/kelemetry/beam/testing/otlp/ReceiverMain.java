package dev.kelemetry.beam.testing.otlp;

import com.google.protobuf.util.JsonFormat;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.kelemetry.beam.testing.ParentWatchdog;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
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
 * The receiver process: OTLP/gRPC and OTLP/HTTP (protobuf) trace endpoints on loopback, decoding each request with
 * the official generated classes and appending it, as protobuf's JSON, to {@code received.jsonl} in its folder. The
 * file {@code mode} in the folder says how to answer: {@code ok} (or no file), or {@code unavailable} (gRPC
 * UNAVAILABLE, HTTP 503), read at every request so a test can switch it mid-run; every refusal adds a line to
 * {@code refused.log}. Arguments: the folder, the gRPC port, the HTTP port. Ends when the test JVM is gone
 * ({@link ParentWatchdog}).
 */
public final class ReceiverMain {
  private final Path dir;

  private ReceiverMain(Path dir) {
    this.dir = dir;
  }

  public static void main(String[] args) throws Exception {
    ParentWatchdog.start(System.in);
    ReceiverMain receiver = new ReceiverMain(Path.of(args[0]));
    Server grpc = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[1])))
        .addService(receiver.grpcService()).build().start();
    HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[2])), 0);
    http.createContext("/v1/traces", receiver::http);
    http.start();
    System.out.println("listening: gRPC on " + grpc.getPort() + ", HTTP on " + http.getAddress().getPort());
    grpc.awaitTermination();
  }

  private TraceServiceGrpc.TraceServiceImplBase grpcService() {
    return new TraceServiceGrpc.TraceServiceImplBase() {
      @Override
      public void export(ExportTraceServiceRequest request, StreamObserver<ExportTraceServiceResponse> response) {
        try {
          if (refuse("grpc")) {
            response.onError(Status.UNAVAILABLE.withDescription("receiver set to refuse").asRuntimeException());
            return;
          }
          record(request);
          response.onNext(ExportTraceServiceResponse.getDefaultInstance());
          response.onCompleted();
        } catch (IOException e) {
          response.onError(Status.INTERNAL.withDescription(e.toString()).asRuntimeException());
        }
      }
    };
  }

  private void http(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      if (!"POST".equals(exchange.getRequestMethod())) {
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      if (refuse("http")) {
        exchange.sendResponseHeaders(503, -1);
        return;
      }
      record(ExportTraceServiceRequest.parseFrom(body));
      byte[] answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
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

  private synchronized void record(ExportTraceServiceRequest request) throws IOException {
    String json = JsonFormat.printer().omittingInsignificantWhitespace().print(request);
    Files.writeString(dir.resolve("received.jsonl"), json + "\n", StandardCharsets.UTF_8,
        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }
}
