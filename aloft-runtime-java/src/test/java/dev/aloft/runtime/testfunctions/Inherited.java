package dev.aloft.runtime.testfunctions;

/** Its input type is bound through a superclass, not on a directly implemented interface. */
public class Inherited extends TypedBase<Orders.Order> {

    @Override
    protected String describe(Orders.Order order) {
        return order.quantity() + "x " + order.item();
    }
}
