package dev.ssekit.buildtools;

import java.io.IOException;
import java.io.InputStream;
import java.lang.annotation.Annotation;
import java.lang.annotation.Documented;
import java.lang.module.ModuleDescriptor;
import java.lang.reflect.AccessibleObject;
import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The public API of one module as text: every public or protected type and member of the packages it exports,
 * with full generic signatures, one line each, sorted, so that every API change shows up in a diff of the dump.
 *
 * <p>The exported packages are the module descriptor's unqualified {@code exports} when the module has a
 * {@code module-info.class}, otherwise every package whose name has no {@code internal} segment. A type's line
 * holds its annotations that Javadoc shows ({@link Documented} ones, such as {@code @FunctionalInterface} and
 * {@code @Deprecated}), modifiers ({@code sealed}, {@code non-sealed} too), kind, type parameters, record
 * components, supertypes and permitted subtypes; below it, indented, its enum constants, fields, constructors and
 * methods (with {@code throws}), and its nested types follow as types of their own. Synthetic and bridge members
 * are left out; protected members only count where a type outside the package can extend the type.
 *
 * <p>Run as {@code ApiDump <classes dir> <dump file> <update> <module name> <regenerate command>} on a class path
 * that holds the module's classes and their dependencies: with {@code update} false it fails (exit status 1) when
 * the dump file differs from the classes, printing the difference and the command that regenerates it; with
 * {@code update} true it rewrites the file. Stateless; each call works on its own arguments.
 */
public final class ApiDump {

    private ApiDump() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 5) {
            System.err.println("usage: ApiDump <classes dir> <dump file> <update: true|false> <module> <command>");
            System.exit(2);
        }
        Result result = run(
                Path.of(args[0]),
                Path.of(args[1]),
                Boolean.parseBoolean(args[2]),
                args[3],
                args[4],
                ApiDump.class.getClassLoader());
        (result.ok() ? System.out : System.err).println(result.message());
        if (!result.ok()) {
            System.exit(1);
        }
    }

    /** What a check or an update did: whether the build may go on, and what to tell the user. Immutable. */
    public record Result(boolean ok, String message) {}

    /** Checks {@code dumpFile} against the classes in {@code classes} or, with {@code update}, rewrites it. */
    public static Result run(
            Path classes, Path dumpFile, boolean update, String module, String command, ClassLoader loader)
            throws IOException {
        List<String> actual = dump(classes, module, loader);
        if (update) {
            Files.createDirectories(dumpFile.toAbsolutePath().getParent());
            Files.write(dumpFile, actual, StandardCharsets.UTF_8);
            return new Result(true, "Wrote the public API of " + module + " to " + dumpFile);
        }
        List<String> expected = Files.exists(dumpFile)
                ? Files.readAllLines(dumpFile, StandardCharsets.UTF_8).stream()
                        .map(String::stripTrailing)
                        .collect(Collectors.toList())
                : List.of();
        if (expected.equals(actual)) {
            return new Result(true, "The public API of " + module + " matches " + dumpFile);
        }
        StringBuilder message = new StringBuilder();
        message.append("The public API of ")
                .append(module)
                .append(Files.exists(dumpFile) ? " differs from " : " has no dump at ")
                .append(dumpFile)
                .append(" (- in the file, + in the classes):\n");
        List<String> diff = Diff.lines(expected, actual);
        diff.stream()
                .limit(60)
                .forEach(line -> message.append("  ").append(line).append('\n'));
        if (diff.size() > 60) {
            message.append("  ... and ").append(diff.size() - 60).append(" more lines\n");
        }
        message.append("If the change is intended, regenerate the dump and commit it with the change:\n    ")
                .append(command);
        return new Result(false, message.toString());
    }

    /** The dump's lines for the classes under {@code classes}, loaded (not initialized) through {@code loader}. */
    public static List<String> dump(Path classes, String module, ClassLoader loader) throws IOException {
        Set<String> packages = exportedPackages(classes);
        List<Class<?>> topLevel = new ArrayList<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path file : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".class"))::iterator) {
                String name = classes.relativize(file)
                        .toString()
                        .replace(file.getFileSystem().getSeparator(), ".");
                name = name.substring(0, name.length() - ".class".length());
                int dot = name.lastIndexOf('.');
                if (name.contains("$") || dot < 0 || !packages.contains(name.substring(0, dot))) {
                    continue;
                }
                Class<?> type = load(name, loader);
                if (Modifier.isPublic(type.getModifiers())) {
                    topLevel.add(type);
                }
            }
        }
        List<String> lines = new ArrayList<>();
        lines.add("# The public API of " + module + ": exported packages " + String.join(", ", packages) + ".");
        lines.add("# Generated by the build (dev.ssekit.buildtools.ApiDump); do not edit by hand.");
        topLevel.sort(Comparator.comparing(Class::getName));
        List<Class<?>> all = new ArrayList<>();
        topLevel.forEach(type -> collect(type, all));
        all.sort(Comparator.comparing(Class::getName));
        for (Class<?> type : all) {
            lines.add("");
            lines.add(typeLine(type));
            lines.addAll(memberLines(type));
        }
        return lines;
    }

    static Set<String> exportedPackages(Path classes) throws IOException {
        Path descriptor = classes.resolve("module-info.class");
        if (Files.exists(descriptor)) {
            try (InputStream in = Files.newInputStream(descriptor)) {
                return ModuleDescriptor.read(in).exports().stream()
                        .filter(e -> !e.isQualified())
                        .map(ModuleDescriptor.Exports::source)
                        .collect(Collectors.toCollection(TreeSet::new));
            }
        }
        try (Stream<Path> files = Files.walk(classes)) {
            return files.filter(f -> f.toString().endsWith(".class"))
                    .map(f -> classes.relativize(f.getParent())
                            .toString()
                            .replace(f.getFileSystem().getSeparator(), "."))
                    .filter(p -> !p.isEmpty() && !Arrays.asList(p.split("\\.")).contains("internal"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static Class<?> load(String name, ClassLoader loader) {
        try {
            return Class.forName(name, false, loader);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("class " + name + " is not on the class path the dump runs with", e);
        }
    }

    /** The type and its nested types that code outside the package can name. */
    private static void collect(Class<?> type, List<Class<?>> into) {
        into.add(type);
        for (Class<?> nested : type.getDeclaredClasses()) {
            if (!nested.isSynthetic() && visible(nested.getModifiers(), type)) {
                collect(nested, into);
            }
        }
    }

    private static boolean visible(int modifiers, Class<?> owner) {
        return Modifier.isPublic(modifiers) || (Modifier.isProtected(modifiers) && extensible(owner));
    }

    private static boolean extensible(Class<?> type) {
        return !Modifier.isFinal(type.getModifiers())
                && !type.isEnum()
                && !type.isRecord()
                && !type.isSealed()
                && (type.isInterface()
                        || Arrays.stream(type.getDeclaredConstructors())
                                .anyMatch(c ->
                                        Modifier.isPublic(c.getModifiers()) || Modifier.isProtected(c.getModifiers())));
    }

    static String typeLine(Class<?> type) {
        StringBuilder line = new StringBuilder(annotations(type));
        int modifiers =
                type.getModifiers() & (type.isInterface() ? Modifier.interfaceModifiers() : Modifier.classModifiers());
        if (type.isInterface() || type.isEnum() || type.isRecord()) {
            // Implied by the kind: an interface is abstract, an enum or record final, and nested ones static.
            modifiers &= ~(Modifier.ABSTRACT | Modifier.FINAL | Modifier.STATIC);
        }
        line.append(Modifier.toString(modifiers));
        if (type.isSealed()) {
            line.append(" sealed");
        } else if (!Modifier.isFinal(type.getModifiers()) && !type.isEnum() && sealedSupertype(type)) {
            line.append(" non-sealed");
        }
        line.append(' ')
                .append(
                        type.isAnnotation()
                                ? "@interface"
                                : type.isInterface()
                                        ? "interface"
                                        : type.isEnum() ? "enum" : type.isRecord() ? "record" : "class")
                .append(' ')
                .append(type.getName())
                .append(typeParameters(type.getTypeParameters()));
        if (type.isRecord()) {
            line.append(Arrays.stream(type.getRecordComponents())
                    .map(c -> annotations(c) + c.getGenericType().getTypeName() + " " + c.getName())
                    .collect(Collectors.joining(", ", "(", ")")));
        }
        Type superclass = type.getGenericSuperclass();
        if (superclass != null && superclass != Object.class && !type.isEnum() && !type.isRecord()) {
            line.append(" extends ").append(superclass.getTypeName());
        }
        List<String> interfaces = Arrays.stream(type.getGenericInterfaces())
                .map(Type::getTypeName)
                .filter(name -> !(type.isAnnotation() && name.equals(Annotation.class.getName())))
                .collect(Collectors.toList());
        if (!interfaces.isEmpty()) {
            line.append(type.isInterface() ? " extends " : " implements ").append(String.join(", ", interfaces));
        }
        if (type.isSealed()) {
            line.append(Arrays.stream(type.getPermittedSubclasses())
                    .map(Class::getName)
                    .sorted()
                    .collect(Collectors.joining(", ", " permits ", "")));
        }
        return line.toString();
    }

    private static boolean sealedSupertype(Class<?> type) {
        return (type.getSuperclass() != null && type.getSuperclass().isSealed())
                || Arrays.stream(type.getInterfaces()).anyMatch(Class::isSealed);
    }

    private static String typeParameters(TypeVariable<?>[] parameters) {
        if (parameters.length == 0) {
            return "";
        }
        return Arrays.stream(parameters)
                .map(p -> {
                    List<String> bounds = Arrays.stream(p.getBounds())
                            .filter(b -> b != Object.class)
                            .map(Type::getTypeName)
                            .collect(Collectors.toList());
                    return bounds.isEmpty() ? p.getName() : p.getName() + " extends " + String.join(" & ", bounds);
                })
                .collect(Collectors.joining(", ", "<", ">"));
    }

    private static List<String> memberLines(Class<?> type) {
        List<String[]> members = new ArrayList<>(); // {group, name, line}: sorted by group, name, then line
        for (Field field : type.getDeclaredFields()) {
            if (field.isEnumConstant()) {
                members.add(
                        new String[] {"0", field.getName(), annotations(field) + "enum constant " + field.getName()});
            } else if (member(field, type)) {
                members.add(new String[] {
                    "1", field.getName(), annotations(field) + strip(field.toGenericString(), type, field.getName())
                });
            }
        }
        for (Constructor<?> constructor : type.getDeclaredConstructors()) {
            if (member(constructor, type)) {
                members.add(new String[] {"2", "", annotations(constructor) + constructor.toGenericString()});
            }
        }
        for (Method method : type.getDeclaredMethods()) {
            if (member(method, type) && !method.isBridge()) {
                members.add(new String[] {
                    "3",
                    method.getName(),
                    annotations(method) + strip(method.toGenericString(), type, method.getName() + "(")
                });
            }
        }
        members.sort(Comparator.<String[], String>comparing(m -> m[0])
                .thenComparing(m -> m[1])
                .thenComparing(m -> m[2]));
        return members.stream().map(m -> "  " + m[2]).collect(Collectors.toList());
    }

    private static boolean member(Member member, Class<?> type) {
        return !member.isSynthetic() && visible(member.getModifiers(), type);
    }

    /** Drops the declaring type from {@code toGenericString()}'s "... pkg.Type.name(...)". */
    private static String strip(String signature, Class<?> type, String nameStart) {
        String qualified = type.getTypeName() + "." + nameStart;
        int at = signature.indexOf(" " + qualified);
        return at < 0
                ? signature
                : signature.substring(0, at + 1)
                        + signature.substring(at + 1 + type.getTypeName().length() + 1);
    }

    /** The annotations Javadoc shows, such as {@code @FunctionalInterface} and {@code @Deprecated}. */
    private static String annotations(Object element) {
        Annotation[] annotations = element instanceof Class<?> c
                ? c.getDeclaredAnnotations()
                : element instanceof RecordComponent rc
                        ? rc.getDeclaredAnnotations()
                        : ((AccessibleObject) element).getDeclaredAnnotations();
        return Arrays.stream(annotations)
                .filter(a -> a.annotationType().isAnnotationPresent(Documented.class))
                .map(ApiDump::annotation)
                .sorted()
                .map(a -> a + " ")
                .collect(Collectors.joining());
    }

    /** An annotation with the elements that differ from their defaults, sorted by name: stable across JVMs. */
    private static String annotation(Annotation annotation) {
        List<String> elements = new ArrayList<>();
        Method[] methods = annotation.annotationType().getDeclaredMethods();
        Arrays.sort(methods, Comparator.comparing(Method::getName));
        for (Method element : methods) {
            Object value;
            try {
                element.setAccessible(true);
                value = element.invoke(annotation);
            } catch (ReflectiveOperationException | RuntimeException e) {
                value = "<" + e.getClass().getSimpleName() + ">";
            }
            Object fallback = element.getDefaultValue();
            if (fallback == null || !Objects.deepEquals(value, fallback)) {
                elements.add(element.getName() + "=" + value(value));
            }
        }
        return "@" + annotation.annotationType().getName()
                + (elements.isEmpty() ? "" : elements.stream().collect(Collectors.joining(", ", "(", ")")));
    }

    private static String value(Object value) {
        if (value instanceof String text) {
            return '"' + text.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
        } else if (value instanceof Class<?> type) {
            return type.getTypeName() + ".class";
        } else if (value instanceof Enum<?> constant) {
            return constant.name();
        } else if (value instanceof Annotation nested) {
            return annotation(nested);
        } else if (value != null && value.getClass().isArray()) {
            List<String> items = new ArrayList<>();
            for (int i = 0; i < Array.getLength(value); i++) {
                items.add(value(Array.get(value, i)));
            }
            return items.stream().collect(Collectors.joining(", ", "{", "}"));
        }
        return String.valueOf(value);
    }

    /** A line diff (longest common subsequence) of two short lists, as "- old" and "+ new" lines. */
    static final class Diff {
        private Diff() {}

        static List<String> lines(List<String> a, List<String> b) {
            int[][] common = new int[a.size() + 1][b.size() + 1];
            for (int i = a.size() - 1; i >= 0; i--) {
                for (int j = b.size() - 1; j >= 0; j--) {
                    common[i][j] = a.get(i).equals(b.get(j))
                            ? common[i + 1][j + 1] + 1
                            : Math.max(common[i + 1][j], common[i][j + 1]);
                }
            }
            List<String> out = new ArrayList<>();
            int i = 0;
            int j = 0;
            while (i < a.size() || j < b.size()) {
                if (i < a.size() && j < b.size() && a.get(i).equals(b.get(j))) {
                    i++;
                    j++;
                } else if (j < b.size() && (i == a.size() || common[i][j + 1] >= common[i + 1][j])) {
                    out.add("+ " + b.get(j++));
                } else {
                    out.add("- " + a.get(i++));
                }
            }
            return out;
        }
    }
}
