package dev.kelemetry.beam.pipelines.query;

/** Why a query could not run, in one line a user can act on; the command prints it and exits with 2. */
public final class QueryException extends RuntimeException {
  public QueryException(String message) {
    super(message);
  }
}
