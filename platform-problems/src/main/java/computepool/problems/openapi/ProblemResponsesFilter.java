package computepool.problems.openapi;

import computepool.problems.Problem;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.Components;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.media.Content;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;
import org.eclipse.microprofile.openapi.models.responses.APIResponses;

/**
 * Publishes in every service's OpenAPI document the answers its REST edge gives that no resource method declares:
 * the problem+json errors of {@link computepool.problems.ProblemMappers} (400 for a bad parameter or body, 401 and
 * 403 on secured operations, 404 on a path naming a resource, 413 and 415 on a body), the {@code Problem} schema
 * itself, the refusal of unknown fields in request bodies, and patterns anchored as Bean Validation applies them
 * (the whole value must match; a JSON Schema pattern may match anywhere in it). Enabled by {@code mp.openapi.filter}
 * in each service.
 */
public class ProblemResponsesFilter implements OASFilter {

    static final String PROBLEM_SCHEMA = "Problem";

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (openAPI.getComponents() == null) {
            openAPI.setComponents(OASFactory.createComponents());
        }
        Components components = openAPI.getComponents();
        if (components.getSchemas() != null) {
            components.getSchemas().values().forEach(ProblemResponsesFilter::anchorPatterns);
        }
        components.addSchema(PROBLEM_SCHEMA, problemSchema());
        if (openAPI.getPaths() == null || openAPI.getPaths().getPathItems() == null) {
            return;
        }
        for (Map.Entry<String, PathItem> path : openAPI.getPaths().getPathItems().entrySet()) {
            boolean namesResource = path.getKey().contains("{");
            Map<PathItem.HttpMethod, Operation> operations = path.getValue().getOperations();
            if (operations == null) {
                continue;
            }
            for (Operation operation : operations.values()) {
                document(operation, namesResource, components);
            }
        }
    }

    private static void document(Operation operation, boolean namesResource, Components components) {
        APIResponses responses = operation.getResponses() == null ? OASFactory.createAPIResponses()
                : operation.getResponses();
        operation.setResponses(responses);
        boolean hasBody = operation.getRequestBody() != null;
        boolean hasParameters = operation.getParameters() != null && !operation.getParameters().isEmpty();
        if (hasParameters) {
            operation.getParameters().forEach(parameter -> anchorPatterns(parameter.getSchema()));
        }
        if (hasBody || hasParameters || namesResource) {
            addIfAbsent(responses, "400", "The request is invalid: the problem names each field and why");
        }
        if (operation.getSecurity() != null && !operation.getSecurity().isEmpty()) {
            addIfAbsent(responses, "401", "No valid credentials");
            addIfAbsent(responses, "403", "The credentials lack the role this operation needs");
        }
        if (namesResource) {
            addIfAbsent(responses, "404", "No such resource of the caller's");
        }
        if (hasBody) {
            addIfAbsent(responses, "413", "The body is larger than the service accepts");
            addIfAbsent(responses, "415", "The body is not JSON");
            closeRequestSchemas(operation, components);
        }
    }

    /** {@code a|b} becomes {@code ^(?:a|b)$}, here and in every nested schema; inline flags stay in front. */
    static void anchorPatterns(Schema schema) {
        if (schema == null) {
            return;
        }
        if (schema.getPattern() != null) {
            schema.setPattern(anchored(schema.getPattern()));
        }
        if (schema.getProperties() != null) {
            schema.getProperties().values().forEach(ProblemResponsesFilter::anchorPatterns);
        }
        anchorPatterns(schema.getItems());
        if (schema.getAllOf() != null) {
            schema.getAllOf().forEach(ProblemResponsesFilter::anchorPatterns);
        }
        if (schema.getOneOf() != null) {
            schema.getOneOf().forEach(ProblemResponsesFilter::anchorPatterns);
        }
        if (schema.getAnyOf() != null) {
            schema.getAnyOf().forEach(ProblemResponsesFilter::anchorPatterns);
        }
    }

    static String anchored(String pattern) {
        String flags = "";
        String body = pattern;
        Matcher inline = Pattern.compile("^\\(\\?[a-z]+\\)").matcher(body);
        if (inline.find()) {
            flags = inline.group();
            body = body.substring(flags.length());
        }
        if (body.startsWith("^") && body.endsWith("$")) {
            return pattern;
        }
        return flags + "^(?:" + body + ")$";
    }

    private static void addIfAbsent(APIResponses responses, String status, String description) {
        if (responses.hasAPIResponse(status)) {
            APIResponse declared = responses.getAPIResponse(status);
            if (declared.getContent() == null || declared.getContent().getMediaTypes() == null
                    || declared.getContent().getMediaTypes().isEmpty()) {
                declared.setContent(problemContent());
            }
            return;
        }
        responses.addAPIResponse(status, OASFactory.createAPIResponse().description(description)
                .content(problemContent()));
    }

    private static Content problemContent() {
        return OASFactory.createContent().addMediaType(Problem.MEDIA_TYPE, OASFactory.createMediaType()
                .schema(OASFactory.createSchema().ref("#/components/schemas/" + PROBLEM_SCHEMA)));
    }

    /** Request bodies, and every object schema inside them: unknown fields are refused (400), so say so. */
    private static void closeRequestSchemas(Operation operation, Components components) {
        if (operation.getRequestBody().getContent() == null
                || operation.getRequestBody().getContent().getMediaTypes() == null) {
            return;
        }
        operation.getRequestBody().getContent().getMediaTypes().values()
                .forEach(media -> close(media.getSchema(), components,
                        Collections.newSetFromMap(new IdentityHashMap<>())));
    }

    private static void close(Schema schema, Components components, Set<Schema> seen) {
        if (schema == null || !seen.add(schema)) {
            return;
        }
        if (schema.getRef() != null) {
            if (components.getSchemas() != null) {
                close(components.getSchemas().get(schema.getRef().substring(schema.getRef().lastIndexOf('/') + 1)),
                        components, seen);
            }
            return;
        }
        if (schema.getProperties() != null && !schema.getProperties().isEmpty()) {
            if (schema.getAdditionalPropertiesBoolean() == null && schema.getAdditionalPropertiesSchema() == null) {
                schema.setAdditionalPropertiesBoolean(false);
            }
            schema.getProperties().values().forEach(property -> close(property, components, seen));
        }
        close(schema.getItems(), components, seen);
        for (List<Schema> alternatives : Arrays.asList(schema.getAllOf(), schema.getOneOf(),
                schema.getAnyOf())) {
            if (alternatives != null) {
                alternatives.forEach(alternative -> close(alternative, components, seen));
            }
        }
    }

    private static Schema problemSchema() {
        Schema text = OASFactory.createSchema().addType(Schema.SchemaType.STRING);
        Schema fieldError = OASFactory.createSchema().addType(Schema.SchemaType.OBJECT)
                .addProperty("field", text).addProperty("detail", text);
        return OASFactory.createSchema().addType(Schema.SchemaType.OBJECT)
                .description("An RFC 9457 problem detail; errors names each offending field")
                .addProperty("type", text)
                .addProperty("title", text)
                .addProperty("status", OASFactory.createSchema().addType(Schema.SchemaType.INTEGER))
                .addProperty("detail", text)
                .addProperty("errors", OASFactory.createSchema().addType(Schema.SchemaType.ARRAY).items(fieldError))
                .required(List.of("title", "status"));
    }
}
