/*
 * kafkaso._messages: the per-message paths, in C because there a
 * Python-level frame cost more than the library call itself.
 *  - Message, and the builder that turns one ConsumeBatch result (column
 *    buffers) into Messages: numbers stay C integers until asked for,
 *    values are copied straight from the batch buffer, and a Message is not
 *    tracked by the cycle collector (it only holds str, bytes, ints, None
 *    and the headers list).
 *  - Sender, Producer.produce's common case (bytes or None value and key,
 *    no headers, no timestamp): straight to kafka.so's Produce; any other
 *    call goes to the Python method unchanged.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#include "kafka.h"

typedef struct {
    PyObject_HEAD
    PyObject *topic, *key, *value, *headers, *error;
    int64_t offset, timestamp;
    int32_t partition, tstype;
    char has_partition, has_offset;
} Message;

static PyTypeObject MessageType;

static void Message_dealloc(Message *self) {
    Py_XDECREF(self->topic);
    Py_XDECREF(self->key);
    Py_XDECREF(self->value);
    Py_XDECREF(self->headers);
    Py_XDECREF(self->error);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *or_none(PyObject *o) {
    PyObject *r = o ? o : Py_None;
    Py_INCREF(r);
    return r;
}

static int Message_init(Message *self, PyObject *args, PyObject *kwds) {
    static char *names[] = {"topic", "partition", "offset", "key", "value", "headers", "error", "timestamp",
                            "latency", "leader_epoch", NULL};
    PyObject *topic = NULL, *partition = Py_None, *offset = Py_None, *key = NULL, *value = NULL, *headers = NULL,
             *error = NULL, *timestamp = Py_None, *latency = NULL, *epoch = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|OOOOOOOOOO", names, &topic, &partition, &offset, &key, &value,
                                     &headers, &error, &timestamp, &latency, &epoch))
        return -1;
    self->has_partition = partition != Py_None;
    self->has_offset = offset != Py_None;
    if (self->has_partition && (self->partition = (int32_t)PyLong_AsLong(partition)) == -1 && PyErr_Occurred())
        return -1;
    if (self->has_offset && (self->offset = PyLong_AsLongLong(offset)) == -1 && PyErr_Occurred())
        return -1;
    self->tstype = 0;
    self->timestamp = -1;
    if (timestamp != Py_None) {
        long long type, ts;
        if (!PyArg_ParseTuple(timestamp, "LL", &type, &ts))
            return -1;
        self->tstype = (int32_t)type;
        self->timestamp = ts;
    }
    Py_XSETREF(self->topic, or_none(topic));
    Py_XSETREF(self->key, or_none(key));
    Py_XSETREF(self->value, or_none(value));
    Py_XSETREF(self->headers, or_none(headers));
    Py_XSETREF(self->error, or_none(error));
    return 0;
}

#define GETTER(name, expr) \
    static PyObject *Message_##name(Message *self, PyObject *unused) { (void)unused; return expr; }
GETTER(topic, or_none(self->topic))
GETTER(key, or_none(self->key))
GETTER(value, or_none(self->value))
GETTER(headers, or_none(self->headers))
GETTER(error, or_none(self->error))
GETTER(partition, self->has_partition ? PyLong_FromLong(self->partition) : or_none(NULL))
GETTER(offset, self->has_offset ? PyLong_FromLongLong(self->offset) : or_none(NULL))
GETTER(timestamp, Py_BuildValue("(iL)", (int)self->tstype, (long long)self->timestamp))
GETTER(nothing, or_none(NULL))

#define SETTER(name, field) \
    static PyObject *Message_set_##name(Message *self, PyObject *arg) { \
        Py_INCREF(arg); \
        Py_XSETREF(self->field, arg); \
        Py_RETURN_NONE; \
    }
SETTER(key, key)
SETTER(value, value)
SETTER(headers, headers)
SETTER(error, error)

static Py_ssize_t Message_len(Message *self) {
    if (!self->value || self->value == Py_None)
        return 0;
    return PyObject_Length(self->value);
}

static PyObject *Message_repr(Message *self) {
    if (self->error && self->error != Py_None)
        return PyUnicode_FromFormat("Message(error=%R)", self->error);
    return PyUnicode_FromFormat("Message(%S[%d]@%lld key=%R value=%R)", self->topic ? self->topic : Py_None,
                                (int)self->partition, (long long)self->offset, self->key ? self->key : Py_None,
                                self->value ? self->value : Py_None);
}

static int Message_bool(Message *self) {
    (void)self;
    return 1;
}

static PyMethodDef Message_methods[] = {
    {"topic", (PyCFunction)Message_topic, METH_NOARGS, "The topic name."},
    {"partition", (PyCFunction)Message_partition, METH_NOARGS, "The partition."},
    {"offset", (PyCFunction)Message_offset, METH_NOARGS, "The offset."},
    {"key", (PyCFunction)Message_key, METH_NOARGS, "The key (bytes), or None."},
    {"value", (PyCFunction)Message_value, METH_NOARGS, "The value (bytes), or None."},
    {"headers", (PyCFunction)Message_headers, METH_NOARGS, "[(name, value)], or None."},
    {"timestamp", (PyCFunction)Message_timestamp, METH_NOARGS, "(type, ms since the epoch)."},
    {"error", (PyCFunction)Message_error, METH_NOARGS, "A KafkaError for an error or event, else None."},
    {"latency", (PyCFunction)Message_nothing, METH_NOARGS, "None: not measured."},
    {"leader_epoch", (PyCFunction)Message_nothing, METH_NOARGS, "None: not known."},
    {"set_key", (PyCFunction)Message_set_key, METH_O, "Replaces the key."},
    {"set_value", (PyCFunction)Message_set_value, METH_O, "Replaces the value."},
    {"set_headers", (PyCFunction)Message_set_headers, METH_O, "Replaces the headers."},
    {"set_error", (PyCFunction)Message_set_error, METH_O, "Replaces the error."},
    {NULL, NULL, 0, NULL},
};

static PySequenceMethods Message_sequence = {.sq_length = (lenfunc)Message_len};
static PyNumberMethods Message_number = {.nb_bool = (inquiry)Message_bool};

static PyTypeObject MessageType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "kafkaso.Message",
    .tp_doc = PyDoc_STR("A consumed or produced message, or an error (error() is not None), as confluent-kafka's."),
    .tp_basicsize = sizeof(Message),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Message_init,
    .tp_dealloc = (destructor)Message_dealloc,
    .tp_methods = Message_methods,
    .tp_repr = (reprfunc)Message_repr,
    .tp_as_sequence = &Message_sequence,
    .tp_as_number = &Message_number,
};

/* A field of n bytes at *at, advancing it; length -1 is None. */
static PyObject *field(const char *base, int64_t *at, int32_t len) {
    if (len < 0)
        return or_none(NULL);
    PyObject *b = PyBytes_FromStringAndSize(base + *at, len);
    *at += len;
    return b;
}

/* build(n, topics, topicidx, partitions, offsets, timestamps, tstypes,
 *       payloads, paylens, keys, keylens, headers): addresses as ints,
 * topics a list of names, headers None or a list of n (list or None). */
static PyObject *build(PyObject *module, PyObject *args) {
    (void)module;
    Py_ssize_t n;
    PyObject *topics, *headers;
    unsigned long long a_idx, a_part, a_off, a_ts, a_tst, a_pay, a_plen, a_key, a_klen;
    if (!PyArg_ParseTuple(args, "nO!KKKKKKKKKO", &n, &PyList_Type, &topics, &a_idx, &a_part, &a_off, &a_ts, &a_tst,
                          &a_pay, &a_plen, &a_key, &a_klen, &headers))
        return NULL;
    const int32_t *idx = (const int32_t *)(uintptr_t)a_idx, *part = (const int32_t *)(uintptr_t)a_part,
                  *tst = (const int32_t *)(uintptr_t)a_tst, *plen = (const int32_t *)(uintptr_t)a_plen,
                  *klen = (const int32_t *)(uintptr_t)a_klen;
    const int64_t *off = (const int64_t *)(uintptr_t)a_off, *ts = (const int64_t *)(uintptr_t)a_ts;
    const char *pay = (const char *)(uintptr_t)a_pay, *key = (const char *)(uintptr_t)a_key;
    Py_ssize_t ntopics = PyList_GET_SIZE(topics);
    int with_headers = headers != Py_None;
    if (with_headers && (!PyList_Check(headers) || PyList_GET_SIZE(headers) != n)) {
        PyErr_SetString(PyExc_ValueError, "headers: a list with one entry per message");
        return NULL;
    }
    PyObject *out = PyList_New(n);
    if (!out)
        return NULL;
    /* Distinct (topic, partition) pairs, so the caller can stop early when
     * looking for each partition's last message; -1 when more than 64. */
    int32_t seen_idx[64], seen_part[64];
    int distinct = 0;
    int64_t pat = 0, kat = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (idx[i] < 0 || idx[i] >= ntopics) {
            Py_DECREF(out);
            PyErr_SetString(PyExc_ValueError, "topic index out of range");
            return NULL;
        }
        Message *m = PyObject_New(Message, &MessageType);
        if (!m) {
            Py_DECREF(out);
            return NULL;
        }
        m->topic = PyList_GET_ITEM(topics, idx[i]);
        Py_INCREF(m->topic);
        m->partition = part[i];
        m->offset = off[i];
        m->has_partition = m->has_offset = 1;
        m->timestamp = ts[i];
        m->tstype = tst[i];
        m->value = field(pay, &pat, plen[i]);
        m->key = field(key, &kat, klen[i]);
        m->headers = or_none(with_headers ? PyList_GET_ITEM(headers, i) : NULL);
        m->error = or_none(NULL);
        PyList_SET_ITEM(out, i, (PyObject *)m);
        if (!m->value || !m->key) {
            Py_DECREF(out);
            return NULL;
        }
        if (distinct >= 0) {
            int j = 0;
            while (j < distinct && (seen_idx[j] != idx[i] || seen_part[j] != part[i]))
                j++;
            if (j == distinct) {
                if (distinct == 64) {
                    distinct = -1;
                } else {
                    seen_idx[distinct] = idx[i];
                    seen_part[distinct++] = part[i];
                }
            }
        }
    }
    PyObject *result = Py_BuildValue("(Ni)", out, distinct);
    return result;
}


/* last_offsets(n, topicidx, partitions, offsets): addresses as ints; a list
 * of (topic index, partition, offset) with each partition's last offset
 * among the n messages: what to store once all n are handed out. */
static PyObject *last_offsets(PyObject *module, PyObject *args) {
    (void)module;
    Py_ssize_t n;
    unsigned long long a_idx, a_part, a_off;
    if (!PyArg_ParseTuple(args, "nKKK", &n, &a_idx, &a_part, &a_off))
        return NULL;
    const int32_t *idx = (const int32_t *)(uintptr_t)a_idx, *part = (const int32_t *)(uintptr_t)a_part;
    const int64_t *off = (const int64_t *)(uintptr_t)a_off;
    PyObject *out = PyList_New(0);
    /* From the end, so the first time a partition is met is its last offset;
     * a batch holds few partitions, so a linear look-up of those seen. */
    Py_ssize_t seen_n = 0, seen_cap = 64;
    int64_t *seen = PyMem_Malloc(seen_cap * sizeof *seen);
    if (!out || !seen) {
        Py_XDECREF(out);
        PyMem_Free(seen);
        return PyErr_NoMemory();
    }
    for (Py_ssize_t i = n - 1; i >= 0; i--) {
        int64_t pair = ((int64_t)idx[i] << 32) | (uint32_t)part[i];
        Py_ssize_t j = 0;
        while (j < seen_n && seen[j] != pair)
            j++;
        if (j < seen_n)
            continue;
        if (seen_n == seen_cap) {
            int64_t *grown = PyMem_Realloc(seen, 2 * seen_cap * sizeof *seen);
            if (!grown) {
                PyErr_NoMemory();
                break;
            }
            seen = grown;
            seen_cap *= 2;
        }
        seen[seen_n++] = pair;
        PyObject *t = Py_BuildValue("(iiL)", (int)idx[i], (int)part[i], (long long)off[i]);
        if (!t || PyList_Append(out, t) < 0) {
            Py_XDECREF(t);
            break;
        }
        Py_DECREF(t);
    }
    PyMem_Free(seen);
    if (PyErr_Occurred()) {
        Py_DECREF(out);
        return NULL;
    }
    return out;
}

/* ---- Sender: Producer.produce's fast path ---- */

enum { S_TOPIC, S_VALUE, S_KEY, S_PARTITION, S_ON_DELIVERY, S_TIMESTAMP, S_HEADERS, S_CALLBACK, S_NARGS };
static const char *const sender_names[S_NARGS] = {"topic", "value", "key", "partition", "on_delivery",
                                                  "timestamp", "headers", "callback"};
static PyObject *sender_keywords[S_NARGS]; /* interned at module init */

typedef struct {
    PyObject_HEAD
    void *handle;        /* the producer's client handle; NULL once closed */
    PyObject *waiting;   /* the Producer's dict: msgid -> (callback, topic, key, value, headers) */
    PyObject *default_cb; /* the configuration's on_delivery, or None */
    PyObject *general;   /* the Python produce method: every other case */
    PyObject *fail;      /* raise_for(rc, text) */
    char text[512];
} Sender;

static int Sender_traverse(Sender *self, visitproc visit, void *arg) {
    Py_VISIT(self->waiting);
    Py_VISIT(self->default_cb);
    Py_VISIT(self->general);
    Py_VISIT(self->fail);
    return 0;
}

static int Sender_clear(Sender *self) {
    Py_CLEAR(self->waiting);
    Py_CLEAR(self->default_cb);
    Py_CLEAR(self->general);
    Py_CLEAR(self->fail);
    return 0;
}

static void Sender_dealloc(Sender *self) {
    PyObject_GC_UnTrack(self);
    Sender_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* Sender(handle_address, waiting, default_cb, general, fail) */
static int Sender_init(Sender *self, PyObject *args, PyObject *kwds) {
    unsigned long long handle;
    PyObject *waiting, *default_cb, *general, *fail;
    static char *names[] = {"handle", "waiting", "default_cb", "general", "fail", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "KO!OOO", names, &handle, &PyDict_Type, &waiting, &default_cb,
                                     &general, &fail))
        return -1;
    Sender_clear(self);
    self->handle = (void *)(uintptr_t)handle;
    Py_INCREF(waiting);
    self->waiting = waiting;
    Py_INCREF(default_cb);
    self->default_cb = default_cb;
    Py_INCREF(general);
    self->general = general;
    Py_INCREF(fail);
    self->fail = fail;
    return 0;
}

static PyObject *given(PyObject *o) { return o && o != Py_None ? o : NULL; }

static PyObject *Sender_produce(Sender *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
    PyObject *arg[S_NARGS] = {NULL};
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    int fast = self->handle != NULL && nargs <= S_NARGS;
    for (Py_ssize_t i = 0; fast && i < nargs; i++)
        arg[i] = args[i];
    for (Py_ssize_t k = 0; fast && k < nkw; k++) {
        PyObject *name = PyTuple_GET_ITEM(kwnames, k);
        int slot = 0;
        while (slot < S_NARGS && sender_keywords[slot] != name)
            slot++;
        if (slot == S_NARGS) /* not interned: compare by value */
            for (slot = 0; slot < S_NARGS && PyUnicode_CompareWithASCIIString(name, sender_names[slot]) != 0;)
                slot++;
        if (slot == S_NARGS || arg[slot])
            fast = 0; /* the general path raises TypeError */
        else
            arg[slot] = args[nargs + k];
    }
    PyObject *topic = arg[S_TOPIC], *value = given(arg[S_VALUE]), *key = given(arg[S_KEY]);
    long partition = -1;
    fast = fast && topic && PyUnicode_CheckExact(topic) && (!value || PyBytes_CheckExact(value)) &&
           (!key || PyBytes_CheckExact(key)) && !given(arg[S_HEADERS]) &&
           (!arg[S_TIMESTAMP] || (PyLong_CheckExact(arg[S_TIMESTAMP]) && PyLong_AsLong(arg[S_TIMESTAMP]) == 0));
    if (fast && arg[S_PARTITION]) {
        fast = PyLong_CheckExact(arg[S_PARTITION]);
        if (fast) {
            partition = PyLong_AsLong(arg[S_PARTITION]);
            fast = partition >= INT32_MIN && partition <= INT32_MAX && !PyErr_Occurred();
            PyErr_Clear();
        }
    }
    const char *name = fast ? PyUnicode_AsUTF8(topic) : NULL;
    if (!name) {
        PyErr_Clear();
        return PyObject_Vectorcall(self->general, args, nargs, kwnames);
    }
    uint64_t msgid = 0;
    int len = (int)sizeof self->text;
    int rc = Produce(self->handle, name, value ? PyBytes_AS_STRING(value) : NULL,
                     value ? (uint32_t)PyBytes_GET_SIZE(value) : 0, key ? PyBytes_AS_STRING(key) : NULL,
                     key ? (uint32_t)PyBytes_GET_SIZE(key) : 0, (int32_t)partition, &msgid, self->text, &len);
    if (rc != 0) {
        if (len < 0 || len > (int)sizeof self->text)
            len = 0;
        PyObject *r = PyObject_CallFunction(self->fail, "is#", rc, self->text, (Py_ssize_t)len);
        Py_XDECREF(r);
        return r ? Py_NewRef(Py_None) : NULL;
    }
    PyObject *cb = given(arg[S_ON_DELIVERY]);
    if (!cb)
        cb = given(arg[S_CALLBACK]);
    if (!cb)
        cb = given(self->default_cb);
    if (cb) {
        PyObject *id = PyLong_FromUnsignedLongLong(msgid);
        PyObject *entry = id ? PyTuple_Pack(5, cb, topic, key ? key : Py_None, value ? value : Py_None, Py_None)
                             : NULL;
        int failed = !entry || PyDict_SetItem(self->waiting, id, entry) < 0;
        Py_XDECREF(id);
        Py_XDECREF(entry);
        if (failed)
            return NULL;
    }
    Py_RETURN_NONE;
}

/* After close: every call takes the general path (which raises). */
static PyObject *Sender_detach(Sender *self, PyObject *unused) {
    (void)unused;
    self->handle = NULL;
    Py_RETURN_NONE;
}

static PyMethodDef Sender_methods[] = {
    {"produce", (PyCFunction)(void (*)(void))Sender_produce, METH_FASTCALL | METH_KEYWORDS,
     "Producer.produce: bytes or None value and key without headers or timestamp go straight to Produce."},
    {"detach", (PyCFunction)Sender_detach, METH_NOARGS, "Sends every later call to the general path."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject SenderType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "kafkaso._messages.Sender",
    .tp_basicsize = sizeof(Sender),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Sender_init,
    .tp_dealloc = (destructor)Sender_dealloc,
    .tp_traverse = (traverseproc)Sender_traverse,
    .tp_clear = (inquiry)Sender_clear,
    .tp_methods = Sender_methods,
};

static PyMethodDef module_methods[] = {
    {"build", build, METH_VARARGS, "Messages from one ConsumeBatch result's column buffers."},
    {"last_offsets", last_offsets, METH_VARARGS, "Each partition's last offset in one ConsumeBatch result."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "kafkaso._messages", NULL, -1, module_methods,
                                    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__messages(void) {
    if (PyType_Ready(&MessageType) < 0 || PyType_Ready(&SenderType) < 0)
        return NULL;
    for (int i = 0; i < S_NARGS; i++)
        if (!(sender_keywords[i] = PyUnicode_InternFromString(sender_names[i])))
            return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m)
        return NULL;
    Py_INCREF(&MessageType);
    if (PyModule_AddObject(m, "Message", (PyObject *)&MessageType) < 0) {
        Py_DECREF(&MessageType);
        Py_DECREF(m);
        return NULL;
    }
    Py_INCREF(&SenderType);
    if (PyModule_AddObject(m, "Sender", (PyObject *)&SenderType) < 0) {
        Py_DECREF(&SenderType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
