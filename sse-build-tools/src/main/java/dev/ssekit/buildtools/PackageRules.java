package dev.ssekit.buildtools;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The package rules every published module keeps (ARCHITECTURE.md, "Package rules"), checked on the module's own
 * compiled classes by one test in the module:
 *
 * <ol>
 *   <li>no cycles among the slices {@code dev.ssekit.(*)..} (the subtrees below the root package: {@code spi},
 *       {@code internal}, {@code servlet}, {@code redis}, {@code spring}, {@code testing});
 *   <li>{@code dev.ssekit.spi..} depends on nothing in an {@code internal} package;
 *   <li>outside an {@code internal} package of SSEKit, only that package's facade uses it ({@link #FACADES}): the
 *       implementation is reached through one entry point, API value types never reach into it, and no module
 *       uses another module's {@code internal}.
 * </ol>
 *
 * <p>A dependency the rules forbid but the code still has is listed in {@link #KNOWN_VIOLATIONS}, with its
 * reason; checking the module that holds its origin's package fails as soon as such an entry is no longer needed (the
 * dependency is gone, or its origin moved), so that the list only shrinks.
 * Stateless.
 */
public final class PackageRules {

    /** Each SSEKit {@code internal} package and the one class outside it that may use it (with its nested types). */
    static final Map<String, String> FACADES = Map.of(
            "dev.ssekit.internal", "dev.ssekit.SseRegistry",
            "dev.ssekit.servlet.internal", "dev.ssekit.servlet.SseServlet");

    /**
     * Dependencies (top-level origin class, target class) that break rule 3 but are allowed for now, each with its
     * reason. None today.
     */
    static final Set<String> KNOWN_VIOLATIONS = Set.of();

    private PackageRules() {}

    /** Checks the rules on the classes of the module that {@code anyClassOfTheModule} belongs to. */
    public static void check(Class<?> anyClassOfTheModule) {
        check(new ClassFileImporter().importPath(classesOf(anyClassOfTheModule)));
    }

    /** Checks the rules on {@code classes}; throws {@link AssertionError} naming each violation. */
    public static void check(JavaClasses classes) {
        check(classes, FACADES, KNOWN_VIOLATIONS);
    }

    static void check(JavaClasses classes, Map<String, String> facades, Set<String> knownViolations) {
        Set<String> knownSeen = new TreeSet<>();
        for (ArchRule rule : rules(facades, knownViolations, knownSeen)) {
            rule.check(classes);
        }
        Set<String> stale = new TreeSet<>();
        for (String known : knownViolations) {
            String origin = known.substring(0, known.indexOf(" -> "));
            String originPackage = origin.substring(0, origin.lastIndexOf('.'));
            boolean originsModule =
                    classes.stream().anyMatch(c -> c.getPackageName().equals(originPackage));
            if (originsModule && !knownSeen.contains(known)) {
                stale.add(known);
            }
        }
        if (!stale.isEmpty()) {
            throw new AssertionError("No longer a violation of the package rules, so remove it from "
                    + "PackageRules.KNOWN_VIOLATIONS (and ARCHITECTURE.md): " + stale);
        }
    }

    private static List<ArchRule> rules(
            Map<String, String> facades, Set<String> knownViolations, Set<String> knownSeen) {
        return List.of(
                slices().matching("dev.ssekit.(*)..").should().beFreeOfCycles().allowEmptyShould(true),
                noClasses()
                        .that()
                        .resideInAPackage("dev.ssekit.spi..")
                        .should()
                        .dependOnClassesThat()
                        .resideInAPackage("..internal..")
                        .allowEmptyShould(true),
                classes()
                        .that()
                        .resideOutsideOfPackage("..internal..")
                        .should(useAnInternalPackageOnlyAsItsFacade(facades, knownViolations, knownSeen))
                        .allowEmptyShould(true));
    }

    private static ArchCondition<JavaClass> useAnInternalPackageOnlyAsItsFacade(
            Map<String, String> facades, Set<String> knownViolations, Set<String> knownSeen) {
        return new ArchCondition<>(
                "use an SSEKit internal package only if they are its facade " + new TreeMap<>(facades)) {
            @Override
            public void check(JavaClass origin, ConditionEvents events) {
                String topLevel = origin.getName().replaceFirst("\\$.*", "");
                for (Dependency dependency : origin.getDirectDependenciesFromSelf()) {
                    String target = dependency.getTargetClass().getName();
                    String internal =
                            internalPackage(dependency.getTargetClass().getPackageName());
                    if (internal == null || topLevel.equals(facades.get(internal))) {
                        continue;
                    }
                    String key = topLevel + " -> " + target.replaceFirst("\\$.*", "");
                    if (knownViolations.contains(key)) {
                        knownSeen.add(key);
                    } else {
                        events.add(SimpleConditionEvent.violated(dependency, dependency.getDescription()));
                    }
                }
            }
        };
    }

    /** The SSEKit internal package that {@code packageName} is in or below, or null. */
    static String internalPackage(String packageName) {
        if (!packageName.startsWith("dev.ssekit.")) {
            return null;
        }
        int at = (packageName + ".").indexOf(".internal.");
        return at < 0 ? null : packageName.substring(0, at + ".internal".length());
    }

    private static Path classesOf(Class<?> type) {
        try {
            return Path.of(
                    type.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
