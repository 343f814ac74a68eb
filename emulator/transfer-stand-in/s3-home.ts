// A user's files: S3 objects under their LOGICAL home, every request signed
// with the session credentials of the user's role (the identity provider's
// Role, narrowed by its Policy), so S3 - the emulator - decides what the user
// may do, never the stand-in.
//
// How Transfer presents S3 (Transfer user guide): folders are a virtual
// concept, "everything is classified as a file" for stat on S3 except
// prefixes; a folder made by the user is a zero-byte object whose key ends in
// "/" ("an empty-byte object ending with / to create the root folder",
// logical directories page); large uploads are multipart uploads, aborted when
// a transfer breaks off (README: "The bucket: clean up incomplete multipart
// uploads"); there is no rename in S3, so a rename is a copy and a delete, of
// files only; APPE is not supported ("Transferring files using a client").
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import type { AwsCredentialIdentity } from "@aws-sdk/types";
import { Readable } from "stream";
import { absolute, HomeMapping, resolve } from "./logical-home";

export interface Entry {
  readonly name: string;
  readonly directory: boolean;
  readonly size: number;
  readonly modified: Date;
}

/** Why an operation failed, in the words the protocols map to their replies. */
export class HomeError extends Error {
  constructor(
    readonly code: "not-found" | "denied" | "not-empty" | "is-directory" | "not-directory" | "unsupported" | "failed",
    message: string,
  ) {
    super(message);
  }
}

const EPOCH = new Date(0);

function s3Error(error: unknown, what: string): HomeError {
  const name = (error as { name?: string }).name ?? "Error";
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (name === "AccessDenied" || status === 403) return new HomeError("denied", `${what}: access denied`);
  if (name === "NoSuchKey" || name === "NotFound" || status === 404) return new HomeError("not-found", `${what}: no such file`);
  return new HomeError("failed", `${what}: ${name}`);
}

export class S3Home {
  private readonly s3: S3Client;

  constructor(
    private readonly mappings: readonly HomeMapping[],
    credentials: AwsCredentialIdentity,
    region: string,
    endpoint: string | undefined,
  ) {
    this.s3 = new S3Client({ region, credentials, ...(endpoint ? { endpoint, forcePathStyle: true } : {}) });
  }

  path(cwd: string, input: string): string {
    return absolute(cwd, input);
  }

  private locate(logical: string) {
    const where = resolve(this.mappings, logical);
    if (!where) throw new HomeError("not-found", `${logical}: no such file or directory`);
    return where;
  }

  async stat(logical: string): Promise<Entry> {
    const name = logical === "/" ? "/" : logical.split("/").pop()!;
    const where = this.locate(logical);
    if (where.kind === "virtual" || where.mappingRoot) return { name, directory: true, size: 0, modified: EPOCH };
    try {
      const head = await this.s3.send(new HeadObjectCommand({ Bucket: where.bucket, Key: where.key }));
      return { name, directory: false, size: head.ContentLength ?? 0, modified: head.LastModified ?? EPOCH };
    } catch (error) {
      const failure = s3Error(error, logical);
      if (failure.code !== "not-found") throw failure;
    }
    // A folder: its marker object or any key below it.
    try {
      const list = await this.s3.send(new ListObjectsV2Command({ Bucket: where.bucket, Prefix: `${where.key}/`, MaxKeys: 1 }));
      if ((list.KeyCount ?? 0) > 0) return { name, directory: true, size: 0, modified: EPOCH };
    } catch (error) {
      throw s3Error(error, logical);
    }
    throw new HomeError("not-found", `${logical}: no such file or directory`);
  }

  async list(logical: string): Promise<Entry[]> {
    const where = this.locate(logical);
    if (where.kind === "virtual") return where.children.map((name) => ({ name, directory: true, size: 0, modified: EPOCH }));
    const prefix = where.key ? `${where.key}/` : "";
    const entries: Entry[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await this.s3.send(
          new ListObjectsV2Command({ Bucket: where.bucket, Prefix: prefix, Delimiter: "/", ContinuationToken: token }),
        );
        for (const p of page.CommonPrefixes ?? []) {
          const name = p.Prefix!.slice(prefix.length, -1);
          if (name) entries.push({ name, directory: true, size: 0, modified: EPOCH });
        }
        for (const o of page.Contents ?? []) {
          const name = o.Key!.slice(prefix.length);
          if (name) entries.push({ name, directory: false, size: o.Size ?? 0, modified: o.LastModified ?? EPOCH });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } catch (error) {
      throw s3Error(error, logical);
    }
    if (entries.length === 0 && !where.mappingRoot) await this.stat(logical); // a missing folder is an error, an empty one is not
    return entries.sort((a, b) => a.name.localeCompare(b.name));
  }

  private object(logical: string): { bucket: string; key: string } {
    const where = this.locate(logical);
    if (where.kind === "virtual" || where.mappingRoot) throw new HomeError("is-directory", `${logical}: is a directory`);
    return { bucket: where.bucket, key: where.key };
  }

  async read(logical: string): Promise<Readable> {
    const { bucket, key } = this.object(logical);
    try {
      const object = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return object.Body as Readable;
    } catch (error) {
      throw s3Error(error, logical);
    }
  }

  /**
   * Streams `data` into the object: a multipart upload once it outgrows one part
   * (5 MiB, S3's minimum part size), aborted if the transfer fails. Returns the
   * bytes written and the parts used (1: a single PutObject).
   */
  async write(logical: string, data: Readable): Promise<{ bytes: number; parts: number }> {
    const { bucket, key } = this.object(logical);
    let bytes = 0;
    let parts = 0;
    data.on("data", (chunk: Buffer) => (bytes += chunk.length));
    const upload = new Upload({ client: this.s3, params: { Bucket: bucket, Key: key, Body: data }, queueSize: 2, leavePartsOnError: false });
    upload.on("httpUploadProgress", (progress) => (parts = Math.max(parts, progress.part ?? 1)));
    try {
      await upload.done();
    } catch (error) {
      data.resume(); // drain what the client still sends
      throw s3Error(error, logical);
    }
    return { bytes, parts: Math.max(parts, 1) };
  }

  async remove(logical: string): Promise<void> {
    const entry = await this.stat(logical);
    if (entry.directory) throw new HomeError("is-directory", `${logical}: is a directory`);
    const { bucket, key } = this.object(logical);
    try {
      await this.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    } catch (error) {
      throw s3Error(error, logical);
    }
  }

  async makeDirectory(logical: string): Promise<void> {
    const where = this.locate(logical);
    if (where.kind === "virtual" || where.mappingRoot) throw new HomeError("denied", `${logical}: exists`);
    try {
      await this.s3.send(new PutObjectCommand({ Bucket: where.bucket, Key: `${where.key}/`, Body: "" }));
    } catch (error) {
      throw s3Error(error, logical);
    }
  }

  async removeDirectory(logical: string): Promise<void> {
    const where = this.locate(logical);
    if (where.kind === "virtual" || where.mappingRoot) throw new HomeError("denied", `${logical}: cannot remove`);
    const children = await this.list(logical);
    if (children.length > 0) throw new HomeError("not-empty", `${logical}: directory not empty`);
    try {
      await this.s3.send(new DeleteObjectCommand({ Bucket: where.bucket, Key: `${where.key}/` }));
    } catch (error) {
      throw s3Error(error, logical);
    }
  }

  async rename(from: string, to: string): Promise<void> {
    const entry = await this.stat(from);
    if (entry.directory) throw new HomeError("unsupported", `${from}: renaming a directory is not supported on S3`);
    const source = this.object(from);
    const target = this.object(to);
    try {
      await this.s3.send(
        new CopyObjectCommand({
          Bucket: target.bucket,
          Key: target.key,
          CopySource: `${source.bucket}/${source.key.split("/").map(encodeURIComponent).join("/")}`,
        }),
      );
      await this.s3.send(new DeleteObjectCommand({ Bucket: source.bucket, Key: source.key }));
    } catch (error) {
      throw s3Error(error, `${from} -> ${to}`);
    }
  }
}
