package dev.aloft.server.cli;

import java.io.PrintWriter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** A command that only holds subcommands (keys, schedule); what its subcommands reach through their parent. */
abstract class CommandGroup implements Runnable {

    @ParentCommand
    AloftCommand root;

    @Spec
    private CommandSpec spec;

    /** Without a subcommand there is nothing to do but explain the choices. */
    @Override
    public void run() {
        spec.commandLine().usage(root.out());
    }

    ControlClient client(ConnectionOptions connection) {
        return connection.client(root.environment());
    }

    PrintWriter out() {
        return root.out();
    }
}
