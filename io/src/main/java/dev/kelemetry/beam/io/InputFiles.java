package dev.kelemetry.beam.io;

import com.google.api.client.http.HttpResponseException;
import java.io.IOException;
import java.util.List;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * Matches every input before a run, so that a wrong path, a missing bucket or refused credentials end the run with one
 * line that says which input and why, instead of a stack trace from inside the pipeline. Call it after the
 * filesystems are registered ({@code FileSystems.setDefaultPipelineOptions}).
 */
public final class InputFiles {
  private InputFiles() {}

  static final String AWS_CREDENTIALS = "credentials come from the AWS default chain: AWS_ACCESS_KEY_ID and "
      + "AWS_SECRET_ACCESS_KEY, AWS_PROFILE (~/.aws/credentials), or the container's or instance's role";
  static final String GCP_CREDENTIALS = "credentials are Application Default Credentials: "
      + "'gcloud auth application-default login', GOOGLE_APPLICATION_CREDENTIALS, or the VM's service account";

  /** What the inputs matched, for the line a backfill prints before it starts. */
  public record Matched(long files, long bytes) {}

  /** An input that cannot be read; the message is one line meant for the user. */
  public static final class UnusableInput extends Exception {
    UnusableInput(String message) {
      super(message);
    }
  }

  public static Matched match(List<InputSpec> inputs) throws UnusableInput {
    long files = 0;
    long bytes = 0;
    for (InputSpec input : inputs) {
      List<MatchResult.Metadata> matched = match(input.glob());
      files += matched.size();
      bytes += matched.stream().mapToLong(MatchResult.Metadata::sizeBytes).sum();
    }
    return new Matched(files, bytes);
  }

  private static List<MatchResult.Metadata> match(String glob) throws UnusableInput {
    String scheme = ObjectStorage.scheme(glob);
    if (!ObjectStorage.SCHEMES.contains(scheme)) {
      throw new UnusableInput("--input " + glob + ": " + scheme + ":// is not supported; an input is a local path, "
          + "s3://BUCKET/KEY or gs://BUCKET/OBJECT (each may hold * and ** globs)");
    }
    try {
      MatchResult result = FileSystems.match(glob);
      if (result.status() == MatchResult.Status.OK && !result.metadata().isEmpty()) {
        return result.metadata();
      }
      if (result.status() == MatchResult.Status.ERROR) {
        result.metadata(); // throws the error the filesystem met
      }
    } catch (IOException e) {
      throw new UnusableInput("--input " + glob + ": " + explain(glob, e));
    }
    // The same words for a local path and a bucket: a prefix with no object under it is not an error of S3 or GCS.
    throw new UnusableInput("no file matches --input " + glob);
  }

  /** The first cause that S3 or Cloud Storage explains, in words; else the deepest cause's message. */
  static String explain(String glob, Throwable error) {
    String bucket = bucket(glob);
    Throwable deepest = error;
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      deepest = t;
      if (t instanceof AwsServiceException s) {
        String code = s.awsErrorDetails() == null ? null : s.awsErrorDetails().errorCode();
        if ("NoSuchBucket".equals(code)) {
          return "the bucket '" + bucket + "' does not exist";
        }
        if (s.statusCode() == 401 || s.statusCode() == 403) {
          return "access denied by S3 (" + code + "); " + AWS_CREDENTIALS;
        }
        return "S3 answered " + s.statusCode() + " " + code + ": " + firstLine(s.awsErrorDetails() == null
            ? s.getMessage() : s.awsErrorDetails().errorMessage());
      }
      if (t instanceof SdkClientException c) {
        // The SDK says "Unable to load credentials from any of the providers in the chain ..." when it found none.
        if (String.valueOf(c.getMessage()).contains("credentials")) {
          return "no AWS credentials found; " + AWS_CREDENTIALS;
        }
        return "S3 could not be reached: " + firstLine(c.getMessage());
      }
      if (t instanceof HttpResponseException h) {
        // Listing a bucket that does not exist is the only 404 a glob's match can get from the JSON API.
        if (h.getStatusCode() == 404) {
          return "the bucket '" + bucket + "' does not exist";
        }
        if (h.getStatusCode() == 401 || h.getStatusCode() == 403) {
          return "access denied by Cloud Storage (" + h.getStatusCode() + "); " + GCP_CREDENTIALS;
        }
        return "Cloud Storage answered " + h.getStatusCode() + ": " + firstLine(h.getStatusMessage());
      }
    }
    return firstLine(String.valueOf(deepest.getMessage()));
  }

  /** {@code s3://BUCKET/...} or {@code gs://BUCKET/...}: the bucket; for a local path, the path. */
  private static String bucket(String glob) {
    int start = glob.indexOf("://");
    if (start < 0) {
      return glob;
    }
    int end = glob.indexOf('/', start + 3);
    return end < 0 ? glob.substring(start + 3) : glob.substring(start + 3, end);
  }

  private static String firstLine(String text) {
    String s = text == null ? "" : text.strip();
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
