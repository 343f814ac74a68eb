import * as fs from "fs";
import * as path from "path";
import { gzipSync } from "zlib";
import { escapeTerraformTemplate } from "./terraform-literal";

/** The lftp settings, keepalive sysctls and smoke script the client gets, read from client/ (the FTP path tests read the same files). */
export interface ClientFiles {
  readonly lftprc: string;
  readonly smokeScript: string;
  readonly keepaliveSysctl: string;
  /** client/sftp-smoke.sh (installed only when SFTP is on). */
  readonly sftpSmokeScript: string;
  /** client/lftprc-ftps (installed only when FTPS or SFTP is on). */
  readonly lftprcFtps: string;
}

export const CLIENT_LFTPRC = "client/lftprc";
export const CLIENT_SMOKE_SCRIPT = "client/ftp-smoke.sh";
export const CLIENT_KEEPALIVE_SYSCTL = "client/sysctl-keepalive.conf";
export const CLIENT_SFTP_SMOKE_SCRIPT = "client/sftp-smoke.sh";
export const CLIENT_LFTPRC_FTPS = "client/lftprc-ftps";
/** Where the user data installs client/lftprc-ftps (ftp-smoke's LFTP_RC for FTPS). */
export const LFTPRC_FTPS_FILE = "/etc/ftp-smoke/lftprc-ftps";
/** Where the user data writes the SFTP host key fingerprint sftp-smoke pins. */
export const SFTP_FINGERPRINT_FILE = "/etc/ftp-smoke/sftp-host-key-fingerprint";
export const SMOKE_HOST_FILE = "/etc/ftp-smoke/host";
/** Where the user data installs client/sysctl-keepalive.conf. */
export const KEEPALIVE_SYSCTL_FILE = "/etc/sysctl.d/60-ftp-keepalive.conf";

export function readClientFiles(projectRoot: string): ClientFiles {
  return {
    lftprc: fs.readFileSync(path.join(projectRoot, CLIENT_LFTPRC), "utf8"),
    smokeScript: fs.readFileSync(path.join(projectRoot, CLIENT_SMOKE_SCRIPT), "utf8"),
    keepaliveSysctl: fs.readFileSync(path.join(projectRoot, CLIENT_KEEPALIVE_SYSCTL), "utf8"),
    sftpSmokeScript: fs.readFileSync(path.join(projectRoot, CLIENT_SFTP_SMOKE_SCRIPT), "utf8"),
    lftprcFtps: fs.readFileSync(path.join(projectRoot, CLIENT_LFTPRC_FTPS), "utf8"),
  };
}

// The one escape for literal text in Terraform strings (the config goes
// through the same function, in buildApp). Re-exported for existing importers.
export { escapeTerraformTemplate };

function heredoc(target: string, delimiter: string, content: string): string {
  if (content.split("\n").includes(delimiter)) throw new Error(`${target}: content contains the heredoc delimiter ${delimiter}`);
  const body = content.endsWith("\n") ? content : `${content}\n`;
  return `cat > ${target} <<'${delimiter}'\n${body}${delimiter}\n`;
}

/**
 * EC2 user data for the Amazon Linux 2023 client: installs lftp, appends the
 * project's lftp settings (EPSV preferred, PASV address ignored) to
 * /etc/lftp.conf, sets TCP keepalives below PrivateLink's idle timeout
 * (client/sysctl-keepalive.conf), installs `ftp-smoke` and records the
 * endpoint host name.
 * `host` may be a Terraform token (the endpoint DNS name); everything else is
 * escaped so Terraform leaves it alone.
 */
/**
 * A file written from gzip + base64 (the user data of an SFTP-enabled client
 * carries both smoke scripts, which would not fit EC2's 16384-byte user-data
 * limit as text). Node's gzip header has no time stamp (mtime 0), so the same
 * file gives the same user data on every synth.
 */
function compressed(target: string, content: string): string {
  const encoded = gzipSync(Buffer.from(content, "utf8"), { level: 9 }).toString("base64");
  return `base64 -d <<'GZ' | gunzip > ${target}\n${encoded.replace(/(.{76})/g, "$1\n")}\nGZ\n`;
}

/** What the client of a server with FTPS or SFTP gets beside the FTP client. */
export interface ClientProtocols {
  readonly ftps: boolean;
  /** SFTP on: the server's host key fingerprint (a Terraform token from the provider's output), pinned by sftp-smoke. */
  readonly sftpHostKeyFingerprint?: string;
}

/**
 * User data of a client whose server has FTPS or SFTP on: the FTP client as
 * below (files compressed), the FTPS lftp settings, and with SFTP OpenSSH's
 * sftp, `sftp-smoke` and the host key fingerprint it pins. A FTP-only client
 * keeps the plain user data below, byte for byte.
 */
function renderExtendedClientUserData(files: ClientFiles, host: string, protocols: ClientProtocols): string {
  const fingerprint = protocols.sftpHostKeyFingerprint;
  const script = [
    "#!/bin/bash",
    "# User data of the FTP/SFTP client (transfer-privatelink-ftp consumer stack).",
    "set -euo pipefail",
    `dnf install -y lftp${fingerprint !== undefined ? " openssh-clients" : ""}`,
    compressed("/tmp/lftprc", files.lftprc),
    "cat /tmp/lftprc >> /etc/lftp.conf && rm -f /tmp/lftprc",
    compressed(KEEPALIVE_SYSCTL_FILE, files.keepaliveSysctl),
    `sysctl -p ${KEEPALIVE_SYSCTL_FILE}`,
    compressed("/usr/local/bin/ftp-smoke", files.smokeScript),
    `install -d -m 0755 ${path.posix.dirname(SMOKE_HOST_FILE)}`,
    ...(protocols.ftps ? [compressed(LFTPRC_FTPS_FILE, files.lftprcFtps)] : []),
    ...(fingerprint !== undefined ? [compressed("/usr/local/bin/sftp-smoke", files.sftpSmokeScript)] : []),
    `chmod 0755 /usr/local/bin/ftp-smoke${fingerprint !== undefined ? " /usr/local/bin/sftp-smoke" : ""}`,
  ].join("\n");
  const pin = fingerprint !== undefined ? `echo '${fingerprint}' > ${SFTP_FINGERPRINT_FILE}\n` : "";
  return `${escapeTerraformTemplate(script)}\necho '${host}' > ${SMOKE_HOST_FILE}\n${pin}`;
}

export function renderClientUserData(files: ClientFiles, host: string, protocols?: ClientProtocols): string {
  if (protocols && (protocols.ftps || protocols.sftpHostKeyFingerprint !== undefined)) return renderExtendedClientUserData(files, host, protocols);
  const script = [
    "#!/bin/bash",
    "# User data of the FTP client (transfer-privatelink-ftp consumer stack).",
    "set -euo pipefail",
    "dnf install -y lftp",
    heredoc("/tmp/lftprc", "LFTPRC", files.lftprc),
    "cat /tmp/lftprc >> /etc/lftp.conf && rm -f /tmp/lftprc",
    heredoc(KEEPALIVE_SYSCTL_FILE, "KEEPALIVE", files.keepaliveSysctl),
    `sysctl -p ${KEEPALIVE_SYSCTL_FILE}`,
    heredoc("/usr/local/bin/ftp-smoke", "FTP_SMOKE", files.smokeScript),
    "chmod 0755 /usr/local/bin/ftp-smoke",
    `install -d -m 0755 ${path.posix.dirname(SMOKE_HOST_FILE)}`,
  ].join("\n");
  return `${escapeTerraformTemplate(script)}\necho '${host}' > ${SMOKE_HOST_FILE}\n`;
}
