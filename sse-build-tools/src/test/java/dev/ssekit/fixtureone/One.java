package dev.ssekit.fixtureone;

import dev.ssekit.fixturetwo.Two;

/** A package-rules fixture: one half of a package cycle. */
public class One {
    public Two two() {
        return new Two();
    }
}
