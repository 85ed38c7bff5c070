"""Where the structural fields of a .tflite flatbuffer are, byte by byte (for the fuzzer).

Walks a valid model with a small description of the TFLite schema (field order as in
tensorflow/lite/schema/schema.fbs) and records every byte position that holds structure rather
than weights: the root offset, each table's vtable offset, vtable entries, uoffsets to tables /
vectors / strings, vector lengths, and the scalar fields that act as indices, sizes, types and
quantization parameters. Builtin-options tables (a union of ~150 types) are walked generically:
their vtables are recorded and each present field is recorded as a 4-byte `option`.
"""

import struct

# Field kinds (after the field name in SCHEMA).
SCALAR = "scalar"     # SCALAR, size, category
TABLE = "table"       # TABLE, type name: one uoffset to a table
TABLES = "tables"     # TABLES, type name: uoffset to a vector of uoffsets to tables
VECTOR = "vector"     # VECTOR, elem size, category: vector of scalars
STRING = "string"     # STRING
ANYTABLE = "any"      # ANYTABLE: a union value, a table of a type not described here

# {field index: (name, kind, ...)} per table type, in schema.fbs order (a union takes two slots:
# its type byte, then its value).
SCHEMA = {
    "Model": {0: ("version", SCALAR, 4, "version"), 1: ("operator_codes", TABLES, "OperatorCode"),
              2: ("subgraphs", TABLES, "SubGraph"), 3: ("description", STRING),
              4: ("buffers", TABLES, "Buffer"), 5: ("metadata_buffer", VECTOR, 4, "index"),
              6: ("metadata", TABLES, "Metadata"), 7: ("signature_defs", TABLES, "SignatureDef")},
    "OperatorCode": {0: ("deprecated_builtin_code", SCALAR, 1, "opcode"), 1: ("custom_code", STRING),
                     2: ("version", SCALAR, 4, "version"), 3: ("builtin_code", SCALAR, 4, "opcode")},
    "SubGraph": {0: ("tensors", TABLES, "Tensor"), 1: ("inputs", VECTOR, 4, "index"),
                 2: ("outputs", VECTOR, 4, "index"), 3: ("operators", TABLES, "Operator"),
                 4: ("name", STRING), 5: ("debug_metadata_index", SCALAR, 4, "index")},
    "Tensor": {0: ("shape", VECTOR, 4, "dim"), 1: ("type", SCALAR, 1, "type"),
               2: ("buffer", SCALAR, 4, "index"), 3: ("name", STRING),
               4: ("quantization", TABLE, "QuantizationParameters"), 5: ("is_variable", SCALAR, 1, "bool"),
               6: ("sparsity", ANYTABLE), 7: ("shape_signature", VECTOR, 4, "dim"),
               8: ("has_rank", SCALAR, 1, "bool")},
    "QuantizationParameters": {0: ("min", VECTOR, 4, "float"), 1: ("max", VECTOR, 4, "float"),
                               2: ("scale", VECTOR, 4, "float"), 3: ("zero_point", VECTOR, 8, "int64"),
                               4: ("details_type", SCALAR, 1, "type"), 5: ("details", ANYTABLE),
                               6: ("quantized_dimension", SCALAR, 4, "index")},
    "Operator": {0: ("opcode_index", SCALAR, 4, "index"), 1: ("inputs", VECTOR, 4, "index"),
                 2: ("outputs", VECTOR, 4, "index"), 3: ("builtin_options_type", SCALAR, 1, "type"),
                 4: ("builtin_options", ANYTABLE), 5: ("custom_options", VECTOR, 1, "byte"),
                 6: ("custom_options_format", SCALAR, 1, "type"),
                 7: ("mutating_variable_inputs", VECTOR, 1, "bool"), 8: ("intermediates", VECTOR, 4, "index"),
                 9: ("large_custom_options_offset", SCALAR, 8, "int64"),
                 10: ("large_custom_options_size", SCALAR, 8, "int64"),
                 11: ("builtin_options_2_type", SCALAR, 1, "type"), 12: ("builtin_options_2", ANYTABLE),
                 13: ("debug_metadata_index", SCALAR, 4, "index")},
    "Buffer": {0: ("data", VECTOR, 1, "weights"), 1: ("offset", SCALAR, 8, "int64"),
               2: ("size", SCALAR, 8, "int64")},
    "Metadata": {0: ("name", STRING), 1: ("buffer", SCALAR, 4, "index")},
    "SignatureDef": {0: ("inputs", TABLES, "TensorMap"), 1: ("outputs", TABLES, "TensorMap"),
                     2: ("signature_key", STRING), 3: ("deprecated_tag", STRING),
                     4: ("subgraph_index", SCALAR, 4, "index")},
    "TensorMap": {0: ("name", STRING), 1: ("tensor_index", SCALAR, 4, "index")},
}


class Field:
    __slots__ = ("pos", "size", "category", "label", "value")

    def __init__(self, pos, size, category, label, value=None):
        self.pos, self.size, self.category, self.label, self.value = pos, size, category, label, value

    def __repr__(self):
        return f"Field({self.pos}, {self.size}, {self.category!r}, {self.label!r}, {self.value!r})"


class Layout:
    """Fields of a valid model. `fields`: list of Field; `weight_spans`: [(start, end)] of the
    Buffer.data payloads (the bytes that are weights, not structure)."""

    def __init__(self, buf):
        self.buf = bytes(buf)
        self.fields = []
        self.weight_spans = []
        self._seen = set()
        root = self._u32(0)
        self._add(0, 4, "uoffset", "root", root)
        self._table(root, "Model", "model")

    def by_category(self, *cats):
        return [f for f in self.fields if f.category in cats]

    def structure_bytes(self):
        """Every byte position covered by a recorded field (sorted, unique)."""
        s = set()
        for f in self.fields:
            s.update(range(f.pos, f.pos + f.size))
        return sorted(s)

    def non_weight_bytes(self):
        """Every byte position outside the weight payloads."""
        mask = bytearray(b"\1" * len(self.buf))
        for a, b in self.weight_spans:
            mask[a:b] = bytes(b - a)
        return [i for i, m in enumerate(mask) if m]

    # -- walking --

    def _u32(self, pos):
        return struct.unpack_from("<I", self.buf, pos)[0]

    def _add(self, pos, size, category, label, value=None):
        self.fields.append(Field(pos, size, category, label, value))

    def _vtable(self, table_pos, label):
        (soff,) = struct.unpack_from("<i", self.buf, table_pos)
        self._add(table_pos, 4, "soffset", label + ".vtable_offset", soff)
        vt = table_pos - soff
        vt_size, tbl_size = struct.unpack_from("<HH", self.buf, vt)
        key = (vt, "vt")
        entries = []
        for i in range((vt_size - 4) // 2):
            (o,) = struct.unpack_from("<H", self.buf, vt + 4 + 2 * i)
            entries.append(o)
        if key not in self._seen:  # vtables are shared between tables with the same layout
            self._seen.add(key)
            self._add(vt, 2, "vtable", label + ".vtable_size", vt_size)
            self._add(vt + 2, 2, "vtable", label + ".table_size", tbl_size)
            for i, o in enumerate(entries):
                self._add(vt + 4 + 2 * i, 2, "vtable", f"{label}.vtable[{i}]", o)
        return entries

    def _table(self, pos, type_name, label):
        if (pos, type_name) in self._seen:
            return
        self._seen.add((pos, type_name))
        entries = self._vtable(pos, label)
        schema = SCHEMA.get(type_name, {}) if type_name else {}
        for i, o in enumerate(entries):
            if o == 0:
                continue
            fpos = pos + o
            spec = schema.get(i)
            if type_name is None or spec is None:
                self._add(fpos, min(4, len(self.buf) - fpos), "option", f"{label}.field{i}")
                continue
            flabel = f"{label}.{spec[0]}"
            spec = spec[1:]
            kind = spec[0]
            if kind == SCALAR:
                self._add(fpos, spec[1], spec[2], flabel)
            elif kind in (TABLE, ANYTABLE):
                target = fpos + self._u32(fpos)
                self._add(fpos, 4, "uoffset", flabel, target)
                self._table(target, spec[1] if kind == TABLE else None, flabel)
            elif kind == STRING:
                target = fpos + self._u32(fpos)
                self._add(fpos, 4, "uoffset", flabel, target)
                self._add(target, 4, "veclen", flabel + ".len", self._u32(target))
            elif kind == VECTOR:
                target = fpos + self._u32(fpos)
                n = self._u32(target)
                self._add(fpos, 4, "uoffset", flabel, target)
                self._add(target, 4, "veclen", flabel + ".len", n)
                size, cat = spec[1], spec[2]
                if cat == "weights":
                    if n:
                        self.weight_spans.append((target + 4, target + 4 + n))
                else:
                    for k in range(n):
                        self._add(target + 4 + size * k, size, cat, f"{flabel}[{k}]")
            elif kind == TABLES:
                target = fpos + self._u32(fpos)
                n = self._u32(target)
                self._add(fpos, 4, "uoffset", flabel, target)
                self._add(target, 4, "veclen", flabel + ".len", n)
                for k in range(n):
                    epos = target + 4 + 4 * k
                    etarget = epos + self._u32(epos)
                    self._add(epos, 4, "uoffset", f"{flabel}[{k}]", etarget)
                    self._table(etarget, spec[1], f"{flabel}[{k}]")
