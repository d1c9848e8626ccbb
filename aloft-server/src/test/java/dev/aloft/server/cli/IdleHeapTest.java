package dev.aloft.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class IdleHeapTest {

    @Test
    void setsTheRunningJvmsPeriodicCollectionInterval() {
        HotSpotDiagnosticMXBean hotSpot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        String before = hotSpot.getVMOption(IdleHeap.FLAG).getValue();
        try {
            IdleHeap.returnAfter(Duration.ofSeconds(42));

            assertThat(hotSpot.getVMOption(IdleHeap.FLAG).getValue()).isEqualTo("42000");
        } finally {
            hotSpot.setVMOption(IdleHeap.FLAG, before);
        }
    }
}
