package computepool.problems;

import jakarta.ws.rs.core.Response;
import java.util.List;

/**
 * Thrown by a service when a request breaks a business rule; answered as problem+json with the
 * given status, naming the field at fault when there is one.
 */
public class ProblemException extends RuntimeException {

    private final transient Problem problem;

    public ProblemException(Response.Status status, String detail) {
        super(detail);
        this.problem = Problem.of(status, detail);
    }

    public ProblemException(Response.Status status, String field, String detail) {
        super(field + ": " + detail);
        this.problem = new Problem("about:blank", status.getReasonPhrase(), status.getStatusCode(),
                field + ": " + detail, List.of(new Problem.FieldError(field, detail)));
    }

    public Problem problem() {
        return problem;
    }
}
