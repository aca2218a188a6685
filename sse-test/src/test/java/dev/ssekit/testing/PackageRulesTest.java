package dev.ssekit.testing;

import dev.ssekit.buildtools.PackageRules;
import org.junit.jupiter.api.Test;

/** This module's classes keep the package rules of ARCHITECTURE.md: no cycles, internal packages only through their facade. */
class PackageRulesTest {

    @Test
    void packagesKeepTheRules() {
        PackageRules.check(Await.class);
    }
}
