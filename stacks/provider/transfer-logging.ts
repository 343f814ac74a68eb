import { Construct } from "constructs";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";

export interface TransferLoggingOptions {
  readonly namePrefix: string;
  readonly retentionDays: number;
}

/**
 * Where the Transfer server writes its structured (JSON) logs - logins,
 * uploads, downloads, errors: the server's StructuredLogDestinations.
 *
 * No logging role. Transfer has two logging mechanisms, "configured and
 * controlled separately": StructuredLogDestinations, and a LoggingRole, which
 * turns on the legacy (non-JSON) logging and is needed only to log workflows
 * (Transfer user guide, "Creating, updating, and viewing logging for
 * servers"). This server runs no workflow, so the structured logs are all it
 * needs. A LoggingRole beside them would switch on the legacy path, which
 * writes to `/aws/transfer/<server-id>`: a group this stack neither creates
 * nor lets that role write, so it failed silently; and its trust would have
 * to name every server of the account (`server/*`), because the role must
 * exist before the server whose ID it would name.
 */
export class TransferLogging extends Construct {
  readonly logGroup: CloudwatchLogGroup;

  constructor(scope: Construct, id: string, options: TransferLoggingOptions) {
    super(scope, id);
    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      name: `/aws/transfer/${options.namePrefix}-ftp`,
      retentionInDays: options.retentionDays,
    });
  }

  /** The value aws_transfer_server.structured_log_destinations expects. */
  get destination(): string {
    return `${this.logGroup.arn}:*`;
  }
}
