package dev.aloft.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "keys",
        description = {"Manage access keys: AWS-shaped credentials for the AWS CLI and SDKs (Lambda API, SigV4).",
                "Only the admin token may manage keys."},
        subcommands = {KeysCommand.Create.class, KeysCommand.ListKeys.class, KeysCommand.Delete.class})
final class KeysCommand extends CommandGroup {

    /** Aloft accepts any region in a signature; the SDKs only insist that one is set. */
    private static final String REGION = "us-east-1";

    @Command(name = "create", description = {"Issue an access key and print its secret, the only time it is shown.",
            "Then use it like an AWS key, with the server as the endpoint."})
    static final class Create implements Callable<Integer> {

        @ParentCommand
        private KeysCommand parent;

        @Mixin
        private ConnectionOptions connection;

        @Option(names = "--description", paramLabel = "TEXT", description = "who or what uses the key, e.g. 'ci'")
        private Optional<String> description = Optional.empty();

        @Option(names = "--json", description = "print the key, secret included, as JSON")
        private boolean json;

        @Override
        public Integer call() {
            ControlClient client = parent.client(connection);
            JsonNode key = client.createKey(description);
            PrintWriter out = parent.out();
            if (json) {
                ConsoleView.printJson(out, key);
                return 0;
            }
            String id = key.path("accessKeyId").asText();
            out.println("access key id      " + id);
            out.println("secret access key  " + key.path("secretAccessKey").asText());
            out.println();
            out.println("The secret is not shown again: store it now. If it is lost, create a new key and"
                    + " delete this one ('aloft keys delete " + id + "').");
            out.println();
            out.println("Use it with the AWS CLI or an AWS SDK:");
            out.println("  export AWS_ACCESS_KEY_ID=" + id);
            out.println("  export AWS_SECRET_ACCESS_KEY=<the secret above>");
            out.println("  export AWS_REGION=" + REGION);
            out.println("  aws lambda list-functions --endpoint-url " + client.baseUrl());
            out.println("(or store the pair in a profile with 'aws configure', region " + REGION + ")");
            return 0;
        }
    }

    @Command(name = "list", description = "List access keys (never their secrets).")
    static final class ListKeys implements Callable<Integer> {

        @ParentCommand
        private KeysCommand parent;

        @Mixin
        private ConnectionOptions connection;

        @Option(names = "--json", description = "print the keys as JSON")
        private boolean json;

        @Override
        public Integer call() {
            ConsoleView.printList(parent.out(), json, "keys", parent.client(connection).keys(),
                    "no access keys (create one with 'aloft keys create')", ConsoleView::printKeys);
            return 0;
        }
    }

    @Command(name = "delete", description = "Delete an access key: requests signed with it are refused from now on.")
    static final class Delete implements Callable<Integer> {

        @ParentCommand
        private KeysCommand parent;

        @Mixin
        private ConnectionOptions connection;

        @Parameters(index = "0", paramLabel = "ID", description = "the access key id (AKIA…, see 'aloft keys list')")
        private String id;

        @Override
        public Integer call() {
            parent.client(connection).deleteKey(id);
            parent.out().println("deleted access key " + id);
            return 0;
        }
    }
}
