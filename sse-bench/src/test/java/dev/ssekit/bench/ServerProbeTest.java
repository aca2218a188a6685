package dev.ssekit.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ServerProbeTest {

    @Test
    void g1HeapInfoCountsTheHeapAndNotTheMetaspace() {
        String info = """
                12345:
                 garbage-first heap   total 262144K, used 20480K [0x0000000700000000, 0x0000000800000000)
                  region size 1024K, 3 young (3072K), 0 survivors (0K)
                 Metaspace       used 6000K, committed 6144K, reserved 1114112K
                  class space    used 600K, committed 640K, reserved 1048576K
                """;
        assertThat(ServerProbe.parseHeapInfo(info)).hasValue(20480L << 10);
    }

    @Test
    void serialHeapInfoSumsItsGenerations() {
        String info = """
                 def new generation   total 4928K, used 1000K [0x00000000f0000000, 0x00000000f0550000, 0x00000000f5550000)
                  eden space 4416K,  22% used [0x00000000f0000000, 0x00000000f03f0000, 0x00000000f0450000)
                 tenured generation   total 10944K, used 3000K [0x00000000f5550000, 0x00000000f6000000, 0x0000000100000000)
                 Metaspace       used 6000K, committed 6144K, reserved 1114112K
                """;
        assertThat(ServerProbe.parseHeapInfo(info)).hasValue(4000L << 10);
    }

    @Test
    void zHeapInfoIsReadInMegabytes() {
        assertThat(ServerProbe.parseHeapInfo(" ZHeap           used 12M, capacity 256M, max capacity 4096M\n"))
                .hasValue(12L << 20);
    }

    @Test
    void outputWithoutFiguresIsUnknown() {
        assertThat(ServerProbe.parseHeapInfo("com.sun.tools.attach.AttachNotSupportedException"))
                .isEmpty();
    }

    @Test
    void ownProcessHasAResidentSetAndCpuTime() {
        long pid = ProcessHandle.current().pid();
        assertThat(ServerProbe.rss(pid).orElseThrow()).isPositive();
        assertThat(ServerProbe.cpuNanos(pid).orElseThrow()).isPositive();
    }
}
