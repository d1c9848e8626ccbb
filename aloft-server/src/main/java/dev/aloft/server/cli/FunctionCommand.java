package dev.aloft.server.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** A top-level command about one function, named by its first parameter; picocli reads these inherited fields too. */
abstract class FunctionCommand implements Callable<Integer> {

    @ParentCommand
    AloftCommand root;

    @Mixin
    ConnectionOptions connection;

    @Parameters(index = "0", paramLabel = "NAME", description = "the function")
    String name;

    ControlClient client() {
        return connection.client(root.environment());
    }

    PrintWriter out() {
        return root.out();
    }
}
