// `npm run smoke -- --protocol ftp|ftps|sftp`: which script runs on
// the instance, with which settings.
import { LFTPRC_FTPS_PATH, parseSmokeArgs, remoteCommandLines, SFTP_SMOKE_SCRIPT_PATH, SMOKE_SCRIPT_PATH } from "../cli/smoke-command";

const base = { parameterName: "/tf-ftp/smoke/x", region: "ap-northeast-1", user: "alice", host: "ftp.corp.internal", smokeTimeoutSeconds: 100 };
const runLine = (lines: string[]) => lines.find((l) => l.startsWith("printf "))!;

test("--protocol defaults to ftp and takes ftps and sftp, nothing else", () => {
  expect(parseSmokeArgs(["--user", "alice"]).protocol).toBe("ftp");
  expect(parseSmokeArgs(["--user", "alice", "--protocol", "ftps"]).protocol).toBe("ftps");
  expect(parseSmokeArgs(["--user", "alice", "--protocol=sftp"]).protocol).toBe("sftp");
  expect(() => parseSmokeArgs(["--user", "alice", "--protocol", "scp"])).toThrow(/--protocol: expected one of ftp, ftps, sftp/);
});

test("ftp runs ftp-smoke as before; ftps adds the TLS settings; sftp runs sftp-smoke; the password goes to stdin each time", () => {
  const ftp = runLine(remoteCommandLines(base));
  expect(ftp).toBe(`printf '%s\\n' "$ftp_password" | FTP_SMOKE_TIMEOUT=100 FTP_HOST='ftp.corp.internal' ${SMOKE_SCRIPT_PATH} --user 'alice'`);
  expect(runLine(remoteCommandLines({ ...base, protocol: "ftps" }))).toBe(
    `printf '%s\\n' "$ftp_password" | FTP_SMOKE_TIMEOUT=100 FTP_HOST='ftp.corp.internal' LFTP_RC=${LFTPRC_FTPS_PATH} ${SMOKE_SCRIPT_PATH} --user 'alice'`,
  );
  expect(runLine(remoteCommandLines({ ...base, protocol: "sftp" }))).toBe(
    `printf '%s\\n' "$ftp_password" | FTP_SMOKE_TIMEOUT=100 FTP_HOST='ftp.corp.internal' ${SFTP_SMOKE_SCRIPT_PATH} --user 'alice'`,
  );
});
