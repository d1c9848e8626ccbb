package dev.aloft.server.invocations;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class WaitingPlacesTest {

    private final WaitingPlaces places = new WaitingPlaces(16);

    @Test
    void oneFunctionGetsAtMostHalfTheWorkers() {
        List<WaitingPlaces.Place> flooded = takeAll("flooded");
        assertThat(flooded).hasSize(8);

        flooded.getFirst().giveBack();
        assertThat(places.tryTake("flooded")).isPresent();
    }

    @Test
    void beyondTheirFirstFunctionsLeaveAQuarterOfTheWorkersFree() {
        assertThat(takeAll("first")).hasSize(8);
        assertThat(takeAll("second")).hasSize(4);

        // Twelve wait: a third function still gets one place, but no second one.
        assertThat(places.tryTake("third")).isPresent();
        assertThat(places.tryTake("third")).isEmpty();
    }

    @Test
    void aPlaceGivenBackTwiceIsGivenBackOnce() {
        List<WaitingPlaces.Place> flooded = takeAll("flooded");
        flooded.getFirst().giveBack();
        flooded.getFirst().giveBack();

        assertThat(places.tryTake("flooded")).isPresent();
        assertThat(places.tryTake("flooded")).isEmpty();
    }

    private List<WaitingPlaces.Place> takeAll(String function) {
        List<WaitingPlaces.Place> taken = new ArrayList<>();
        Optional<WaitingPlaces.Place> place;
        while ((place = places.tryTake(function)).isPresent()) {
            taken.add(place.get());
        }
        return taken;
    }
}
