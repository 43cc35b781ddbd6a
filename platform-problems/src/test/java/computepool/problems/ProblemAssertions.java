package computepool.problems;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import io.restassured.builder.ResponseSpecBuilder;
import io.restassured.specification.ResponseSpecification;

/**
 * What every service's API tests check of an error, as REST Assured response specifications
 * ({@code .then().spec(problem(404))}): the status, {@code application/problem+json}, the status
 * repeated in the body, and for a bad request the field it names.
 */
public final class ProblemAssertions {

    public static final String PROBLEM_JSON = "application/problem+json";

    private ProblemAssertions() {
    }

    /** A problem+json answer with {@code status}. */
    public static ResponseSpecification problem(int status) {
        return builder(status).build();
    }

    /** A problem+json answer with {@code status} whose {@code errors} name {@code field}. */
    public static ResponseSpecification problemNaming(int status, String field) {
        return builder(status).expectBody("errors.field", hasItem(field)).build();
    }

    /** A 400 problem+json whose {@code errors} name {@code field}. */
    public static ResponseSpecification badRequestNaming(String field) {
        return problemNaming(400, field);
    }

    /** A 401 problem+json asking for a bearer token. */
    public static ResponseSpecification unauthorized() {
        return builder(401).expectHeader("WWW-Authenticate", "Bearer").build();
    }

    private static ResponseSpecBuilder builder(int status) {
        return new ResponseSpecBuilder()
                .expectStatusCode(status)
                .expectContentType(PROBLEM_JSON)
                .expectBody("status", equalTo(status));
    }
}
