/* The C floors of W10 and W11: the same work written directly on libuv,
 * with nothing of a runtime around it (no tasks, no Lua, no scopes).
 *
 *   bench_io_floor w10 CLIENTS ROUNDS   echo server + clients in this process
 *                                       on loopback (uv_tcp), 64-byte round trips
 *   bench_io_floor w11 N K              run `true` N times, K at a time (uv_spawn)
 *   bench_io_floor --version
 *
 * Prints "RESULT seconds=<s>" (W10 adds p99_ms) as the workload scripts do. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#define MESSAGE 64

static uv_loop_t* loop;

static void die(const char* what, int r) {
  fprintf(stderr, "bench_io_floor: %s: %s\n", what, uv_strerror(r));
  exit(1);
}

/* ------------------------------------------------------------- W10 */

typedef struct {
  uv_tcp_t tcp;
  char buf[64 * 1024];
} Echo; /* a server-side connection */

typedef struct {
  uv_write_t req;
  char data[];
} EchoWrite;

typedef struct {
  uv_tcp_t tcp;
  uv_connect_t connect;
  uv_write_t write;
  char buf[MESSAGE];
  int got; /* bytes of the current reply */
  int rounds_left;
  uint64_t t0;
} Client;

static int clients, rounds, connected, finished;
static double* latencies;
static size_t latency_count;
static char message[MESSAGE];
static uint64_t start_ns;

static void alloc_echo(uv_handle_t* h, size_t size, uv_buf_t* buf) {
  (void)size;
  Echo* e = h->data;
  *buf = uv_buf_init(e->buf, sizeof e->buf);
}

static void free_on_close(uv_handle_t* h) { free(h->data); }

static void on_echo_written(uv_write_t* req, int status) {
  (void)status;
  free(req->data);
}

static void on_echo_read(uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
  if (n < 0) {
    uv_close((uv_handle_t*)s, free_on_close);
    return;
  }
  if (n == 0) return;
  EchoWrite* w = malloc(sizeof *w + (size_t)n);
  memcpy(w->data, buf->base, (size_t)n);
  w->req.data = w;
  uv_buf_t out = uv_buf_init(w->data, (unsigned)n);
  int r = uv_write(&w->req, s, &out, 1, on_echo_written);
  if (r < 0) die("uv_write", r);
}

static void on_connection(uv_stream_t* server, int status) {
  if (status < 0) die("listen", status);
  Echo* e = malloc(sizeof *e);
  uv_tcp_init(loop, &e->tcp);
  e->tcp.data = e;
  int r = uv_accept(server, (uv_stream_t*)&e->tcp);
  if (r < 0) die("uv_accept", r);
  uv_tcp_nodelay(&e->tcp, 1);
  uv_read_start((uv_stream_t*)&e->tcp, alloc_echo, on_echo_read);
}

static void send_round(Client* c);

static void alloc_client(uv_handle_t* h, size_t size, uv_buf_t* buf) {
  (void)size;
  Client* c = h->data;
  *buf = uv_buf_init(c->buf + c->got, (unsigned)(MESSAGE - c->got));
}

static void on_client_read(uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
  (void)buf;
  Client* c = s->data;
  if (n < 0) die("client read", (int)n);
  c->got += (int)n;
  if (c->got < MESSAGE) return;
  latencies[latency_count++] = (double)(uv_hrtime() - c->t0) / 1e6;
  c->got = 0;
  if (--c->rounds_left > 0) {
    send_round(c);
    return;
  }
  uv_read_stop(s);
  uv_close((uv_handle_t*)s, free_on_close);
  if (++finished == clients) start_ns = uv_hrtime() - start_ns;
}

static void on_client_written(uv_write_t* req, int status) {
  (void)req;
  if (status < 0) die("client write", status);
}

static void send_round(Client* c) {
  c->t0 = uv_hrtime();
  uv_buf_t out = uv_buf_init(message, MESSAGE);
  int r = uv_write(&c->write, (uv_stream_t*)&c->tcp, &out, 1, on_client_written);
  if (r < 0) die("uv_write", r);
}

static Client** all_clients;

static void on_connected(uv_connect_t* req, int status) {
  if (status < 0) die("connect", status);
  Client* c = req->data;
  uv_tcp_nodelay(&c->tcp, 1);
  if (++connected < clients) return;
  /* All connected, as the workload scripts connect first: time the rounds. */
  start_ns = uv_hrtime();
  for (int i = 0; i < clients; i++) {
    uv_read_start((uv_stream_t*)&all_clients[i]->tcp, alloc_client, on_client_read);
    send_round(all_clients[i]);
  }
}

static int cmp_double(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return x < y ? -1 : x > y;
}

static void w10(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: bench_io_floor w10 CLIENTS ROUNDS\n");
    exit(2);
  }
  clients = atoi(argv[2]);
  rounds = atoi(argv[3]);
  memset(message, 'x', sizeof message);
  latencies = malloc(sizeof(double) * (size_t)clients * (size_t)rounds);
  all_clients = calloc((size_t)clients, sizeof *all_clients);

  uv_tcp_t server;
  struct sockaddr_in addr;
  uv_ip4_addr("127.0.0.1", 0, &addr);
  uv_tcp_init(loop, &server);
  int r = uv_tcp_bind(&server, (const struct sockaddr*)&addr, 0);
  if (r < 0) die("bind", r);
  r = uv_listen((uv_stream_t*)&server, 511, on_connection);
  if (r < 0) die("listen", r);
  struct sockaddr_storage bound;
  int len = sizeof bound;
  uv_tcp_getsockname(&server, (struct sockaddr*)&bound, &len);

  for (int i = 0; i < clients; i++) {
    Client* c = calloc(1, sizeof *c);
    c->rounds_left = rounds;
    uv_tcp_init(loop, &c->tcp);
    c->tcp.data = c;
    c->connect.data = c;
    all_clients[i] = c;
    r = uv_tcp_connect(&c->connect, &c->tcp, (const struct sockaddr*)&bound, on_connected);
    if (r < 0) die("uv_tcp_connect", r);
  }
  /* The loop runs until every client has closed and the server sees the
   * ends of input; then the listener closes. */
  while (finished < clients) uv_run(loop, UV_RUN_ONCE);
  uv_close((uv_handle_t*)&server, NULL);
  uv_run(loop, UV_RUN_DEFAULT);

  qsort(latencies, latency_count, sizeof *latencies, cmp_double);
  size_t p99 = (latency_count * 99 + 99) / 100;
  printf("RESULT seconds=%.9f p99_ms=%.3f\n", (double)start_ns / 1e9, latencies[p99 ? p99 - 1 : 0]);
  free(latencies);
  free(all_clients);
}

/* ------------------------------------------------------------- W11 */

static int total, started, failed;
static uv_process_options_t spawn_options;
static uv_stdio_container_t stdio[3];

static void spawn_one(void);

static void on_process_closed(uv_handle_t* h) {
  free(h);
  if (started < total) spawn_one();
}

static void on_child_exit(uv_process_t* p, int64_t status, int signal) {
  if (status != 0 || signal != 0) ++failed;
  uv_close((uv_handle_t*)p, on_process_closed);
}

static void spawn_one(void) {
  ++started;
  uv_process_t* p = malloc(sizeof *p);
  int r = uv_spawn(loop, p, &spawn_options);
  if (r < 0) die("uv_spawn", r);
}

static void w11(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: bench_io_floor w11 N K\n");
    exit(2);
  }
  total = atoi(argv[2]);
  int k = atoi(argv[3]);
  static char* args[] = {"true", NULL};
  /* As the workload scripts run it: no input, output to /dev/null. */
  for (int i = 0; i < 3; i++) stdio[i].flags = UV_IGNORE;
  spawn_options.file = "true";
  spawn_options.args = args;
  spawn_options.exit_cb = on_child_exit;
  spawn_options.stdio = stdio;
  spawn_options.stdio_count = 3;
  uint64_t t0 = uv_hrtime();
  for (int i = 0; i < k && started < total; i++) spawn_one();
  uv_run(loop, UV_RUN_DEFAULT);
  double seconds = (double)(uv_hrtime() - t0) / 1e9;
  if (failed) {
    fprintf(stderr, "bench_io_floor: %d runs of true failed\n", failed);
    exit(1);
  }
  printf("RESULT seconds=%.9f\n", seconds);
}

int main(int argc, char** argv) {
  if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
    printf("libuv %s\n", uv_version_string());
    return 0;
  }
  loop = uv_default_loop();
  if (argc >= 2 && strcmp(argv[1], "w10") == 0) {
    w10(argc, argv);
  } else if (argc >= 2 && strcmp(argv[1], "w11") == 0) {
    w11(argc, argv);
  } else {
    fprintf(stderr, "usage: bench_io_floor w10 CLIENTS ROUNDS | w11 N K | --version\n");
    return 2;
  }
  return uv_loop_close(loop) == 0 ? 0 : 1;
}
