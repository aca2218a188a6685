package dev.ssekit.fixturetwo;

import dev.ssekit.fixtureone.One;

/** A package-rules fixture: the other half of a package cycle. */
public class Two {
    public One one() {
        return new One();
    }
}
