package dev.ssekit.buildtools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import dev.ssekit.fixturethree.Facade;
import dev.ssekit.fixturethree.internal.Impl;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PackageRulesTest {

    private static final Map<String, String> FACADE =
            Map.of("dev.ssekit.fixturethree.internal", "dev.ssekit.fixturethree.Facade");

    private static JavaClasses importing(String... packages) {
        return new ClassFileImporter().importPackages(packages);
    }

    @Test
    void aPackageCycleFails() {
        assertThatThrownBy(() -> PackageRules.check(
                        importing("dev.ssekit.fixtureone", "dev.ssekit.fixturetwo"), FACADE, Set.of()))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Cycle detected: Slice fixtureone")
                .hasMessageContaining(
                        "Method <dev.ssekit.fixturetwo.Two.one()> has return type <dev.ssekit.fixtureone.One>");
    }

    @Test
    void anInternalPackageUsedByItsFacadeOnlyPasses() {
        JavaClasses classes = new ClassFileImporter().importClasses(Facade.class, Impl.class);

        assertThatCode(() -> PackageRules.check(classes, FACADE, Set.of())).doesNotThrowAnyException();
    }

    @Test
    void anInternalPackageUsedByAnotherClassFailsNamingTheDependency() {
        assertThatThrownBy(() -> PackageRules.check(importing("dev.ssekit.fixturethree"), FACADE, Set.of()))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("dev.ssekit.fixturethree.Value")
                .hasMessageContaining("dev.ssekit.fixturethree.internal.Impl.answer()")
                .hasMessageNotContaining("Facade.answer()");
    }

    @Test
    void aKnownViolationPassesWhileItIsThereAndFailsOnceItIsGone() {
        Set<String> known = Set.of("dev.ssekit.fixturethree.Value -> dev.ssekit.fixturethree.internal.Impl");
        assertThatCode(() -> PackageRules.check(importing("dev.ssekit.fixturethree"), FACADE, known))
                .doesNotThrowAnyException();

        Set<String> stale = Set.of("dev.ssekit.fixturethree.Facade -> dev.ssekit.fixturethree.internal.Impl");
        JavaClasses facadeOnly = new ClassFileImporter().importClasses(Facade.class, Impl.class);
        assertThatThrownBy(() -> PackageRules.check(facadeOnly, Map.of(), Set.of()))
                .isInstanceOf(AssertionError.class);
        assertThatThrownBy(() -> PackageRules.check(facadeOnly, FACADE, stale))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("No longer a violation")
                .hasMessageContaining("Facade -> dev.ssekit.fixturethree.internal.Impl");

        Set<String> moved = Set.of("dev.ssekit.fixturethree.Gone -> dev.ssekit.fixturethree.internal.Impl");
        assertThatThrownBy(() -> PackageRules.check(facadeOnly, FACADE, moved))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("No longer a violation")
                .hasMessageContaining("Gone -> dev.ssekit.fixturethree.internal.Impl");
        assertThatCode(() -> PackageRules.check(importing("dev.ssekit.fixtureone"), FACADE, moved))
                .as("a module without the origin's package has nothing to say about it")
                .doesNotThrowAnyException();
    }

    @Test
    void internalPackagesAreSsekitPackagesWithAnInternalSegment() {
        assertThat(PackageRules.internalPackage("dev.ssekit.internal")).isEqualTo("dev.ssekit.internal");
        assertThat(PackageRules.internalPackage("dev.ssekit.servlet.internal.x"))
                .isEqualTo("dev.ssekit.servlet.internal");
        assertThat(PackageRules.internalPackage("dev.ssekit.internals")).isNull();
        assertThat(PackageRules.internalPackage("dev.ssekit")).isNull();
        assertThat(PackageRules.internalPackage("io.lettuce.core.internal")).isNull();
    }
}
