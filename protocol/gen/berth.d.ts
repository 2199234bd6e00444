import * as $protobuf from "protobufjs";
import Long = require("long");

export namespace berth {

    namespace v1 {

        interface IRange extends berth.v1.Range.$Properties {
        }

        class Range {
            constructor(properties?: berth.v1.Range.$Properties);
            $unknowns?: Uint8Array[];
            begin: number;
            end: number;
            static create(properties: berth.v1.Range.$Shape): berth.v1.Range & berth.v1.Range.$Shape;
            static create(properties?: berth.v1.Range.$Properties): berth.v1.Range;
            static encode(message: berth.v1.Range.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.Range & berth.v1.Range.$Shape;
            static verify(message: { [k: string]: any }): (string|null);
            static fromObject(object: { [k: string]: any }): berth.v1.Range;
            static toObject(message: berth.v1.Range, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
            static getTypeUrl(prefix?: string): string;
        }

        namespace Range {
            interface $Properties {
                begin?: (number|null);
                end?: (number|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = berth.v1.Range.$Properties;
        }

        interface IResources extends berth.v1.Resources.$Properties {
        }

        class Resources {
            constructor(properties?: berth.v1.Resources.$Properties);
            $unknowns?: Uint8Array[];
            cpus: number;
            memMb: number;
            diskMb: number;
            gpus: number;
            ports: berth.v1.Range.$Properties[];
            static create(properties: berth.v1.Resources.$Shape): berth.v1.Resources & berth.v1.Resources.$Shape;
            static create(properties?: berth.v1.Resources.$Properties): berth.v1.Resources;
            static encode(message: berth.v1.Resources.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.Resources & berth.v1.Resources.$Shape;
            static verify(message: { [k: string]: any }): (string|null);
            static fromObject(object: { [k: string]: any }): berth.v1.Resources;
            static toObject(message: berth.v1.Resources, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
            static getTypeUrl(prefix?: string): string;
        }

        namespace Resources {
            interface $Properties {
                cpus?: (number|null);
                memMb?: (number|null);
                diskMb?: (number|null);
                gpus?: (number|null);
                ports?: (berth.v1.Range.$Properties[]|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = berth.v1.Resources.$Properties;
        }

        interface IReservation extends berth.v1.Reservation.$Properties {
        }

        class Reservation {
            constructor(properties?: berth.v1.Reservation.$Properties);
            $unknowns?: Uint8Array[];
            role: string;
            resources?: (berth.v1.Resources.$Properties|null);
            dynamic: boolean;
            static create(properties: berth.v1.Reservation.$Shape): berth.v1.Reservation & berth.v1.Reservation.$Shape;
            static create(properties?: berth.v1.Reservation.$Properties): berth.v1.Reservation;
            static encode(message: berth.v1.Reservation.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.Reservation & berth.v1.Reservation.$Shape;
            static verify(message: { [k: string]: any }): (string|null);
            static fromObject(object: { [k: string]: any }): berth.v1.Reservation;
            static toObject(message: berth.v1.Reservation, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
            static getTypeUrl(prefix?: string): string;
        }

        namespace Reservation {
            interface $Properties {
                role?: (string|null);
                resources?: (berth.v1.Resources.$Properties|null);
                dynamic?: (boolean|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = berth.v1.Reservation.$Properties;
        }

        interface IAgentInfo extends berth.v1.AgentInfo.$Properties {
        }

        class AgentInfo {
            constructor(properties?: berth.v1.AgentInfo.$Properties);
            $unknowns?: Uint8Array[];
            hostname: string;
            resources?: (berth.v1.Resources.$Properties|null);
            attributes: { [k: string]: string };
            reservations: berth.v1.Reservation.$Properties[];
            bootId: string;
            runtime: string;
            version: string;
            static create(properties: berth.v1.AgentInfo.$Shape): berth.v1.AgentInfo & berth.v1.AgentInfo.$Shape;
            static create(properties?: berth.v1.AgentInfo.$Properties): berth.v1.AgentInfo;
            static encode(message: berth.v1.AgentInfo.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.AgentInfo & berth.v1.AgentInfo.$Shape;
            static verify(message: { [k: string]: any }): (string|null);
            static fromObject(object: { [k: string]: any }): berth.v1.AgentInfo;
            static toObject(message: berth.v1.AgentInfo, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
            static getTypeUrl(prefix?: string): string;
        }

        namespace AgentInfo {
            interface $Properties {
                hostname?: (string|null);
                resources?: (berth.v1.Resources.$Properties|null);
                attributes?: ({ [k: string]: string }|null);
                reservations?: (berth.v1.Reservation.$Properties[]|null);
                bootId?: (string|null);
                runtime?: (string|null);
                version?: (string|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = berth.v1.AgentInfo.$Properties;
        }

        interface IFrameworkInfo extends berth.v1.FrameworkInfo.$Properties {
        }

        class FrameworkInfo {
            constructor(properties?: berth.v1.FrameworkInfo.$Properties);
            $unknowns?: Uint8Array[];
            name: string;
            roles: string[];
            failoverTimeoutMs: number;
            user: string;
            principal: string;
            partitionAware: boolean;
            webuiUrl: string;
            static create(properties: berth.v1.FrameworkInfo.$Shape): berth.v1.FrameworkInfo & berth.v1.FrameworkInfo.$Shape;
            static create(properties?: berth.v1.FrameworkInfo.$Properties): berth.v1.FrameworkInfo;
            static encode(message: berth.v1.FrameworkInfo.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.FrameworkInfo & berth.v1.FrameworkInfo.$Shape;
            static verify(message: { [k: string]: any }): (string|null);
            static fromObject(object: { [k: string]: any }): berth.v1.FrameworkInfo;
            static toObject(message: berth.v1.FrameworkInfo, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
            static getTypeUrl(prefix?: string): string;
        }

        namespace FrameworkInfo {
            interface $Properties {
                name?: (string|null);
                roles?: (string[]|null);
                failoverTimeoutMs?: (number|null);
                user?: (string|null);
                principal?: (string|null);
                partitionAware?: (boolean|null);
                webuiUrl?: (string|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = berth.v1.FrameworkInfo.$Properties;
        }

        interface IOffer extends berth.v1.Offer.$Properties {
        }

        class Offer {
            constructor(properties?: berth.v1.Offer.$Properties);
            $unknowns?: Uint8Array[];
            id: string;
            frameworkId: string;
            agentId: string;
            hostname: string;
            resources?: (berth.v1.Resources.$Properties|null);
            role: string;
            attributes: { [k: string]: string };
            expiresAtMs: number;
            gangId: string;
            reserved?: (berth.v1.Resources.$Properties|null);
            static create(properties: berth.v1.Offer.$Shape): berth.v1.Offer & berth.v1.Offer.$Shape;
            static create(properties?: berth.v1.Offer.$Properties): berth.v1.Offer;
            static encode(message: berth.v1.Offer.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.Offer & berth.v1.Offer.$Shape;
            static verify(message: { [k: string]: any }): (string|null);
            static fromObject(object: { [k: string]: any }): berth.v1.Offer;
            static toObject(message: berth.v1.Offer, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
            static getTypeUrl(prefix?: string): string;
        }

        namespace Offer {
            interface $Properties {
                id?: (string|null);
                frameworkId?: (string|null);
                agentId?: (string|null);
                hostname?: (string|null);
                resources?: (berth.v1.Resources.$Properties|null);
                role?: (string|null);
                attributes?: ({ [k: string]: string }|null);
                expiresAtMs?: (number|null);
                gangId?: (string|null);
                reserved?: (berth.v1.Resources.$Properties|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = berth.v1.Offer.$Properties;
        }

        interface ICommandInfo extends berth.v1.CommandInfo.$Properties {
        }

        class CommandInfo {
            constructor(properties?: berth.v1.CommandInfo.$Properties);
            $unknowns?: Uint8Array[];
            value: string;
            shell: boolean;
            arguments: string[];
            environment: { [k: string]: string };
            static create(properties: berth.v1.CommandInfo.$Shape): berth.v1.CommandInfo & berth.v1.CommandInfo.$Shape;
            static create(properties?: berth.v1.CommandInfo.$Properties): berth.v1.CommandInfo;
            static encode(message: berth.v1.CommandInfo.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.CommandInfo & berth.v1.CommandInfo.$Shape;
            static verify(message: { [k: string]: any }): (string|null);
            static fromObject(object: { [k: string]: any }): berth.v1.CommandInfo;
            static toObject(message: berth.v1.CommandInfo, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
            static getTypeUrl(prefix?: string): string;
        }

        namespace CommandInfo {
            interface $Properties {
                value?: (string|null);
                shell?: (boolean|null);
                "arguments"?: (string[]|null);
                environment?: ({ [k: string]: string }|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = berth.v1.CommandInfo.$Properties;
        }

        interface IContainerInfo extends berth.v1.ContainerInfo.$Properties {
        }

        class ContainerInfo {
            constructor(properties?: berth.v1.ContainerInfo.$Properties);
            $unknowns?: Uint8Array[];
            type: berth.v1.ContainerInfo.Type;
            image: string;
            privileged: boolean;
            volumes: berth.v1.Volume.$Properties[];
            capAdd: string[];
            static create(properties: berth.v1.ContainerInfo.$Shape): berth.v1.ContainerInfo & berth.v1.ContainerInfo.$Shape;
            static create(properties?: berth.v1.ContainerInfo.$Properties): berth.v1.ContainerInfo;
            static encode(message: berth.v1.ContainerInfo.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.ContainerInfo & berth.v1.ContainerInfo.$Shape;
            static verify(message: { [k: string]: any }): (string|null);
            static fromObject(object: { [k: string]: any }): berth.v1.ContainerInfo;
            static toObject(message: berth.v1.ContainerInfo, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
            static getTypeUrl(prefix?: string): string;
        }

        namespace ContainerInfo {
            interface $Properties {
                type?: (berth.v1.ContainerInfo.Type|null);
                image?: (string|null);
                privileged?: (boolean|null);
                volumes?: (berth.v1.Volume.$Properties[]|null);
                capAdd?: (string[]|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = berth.v1.ContainerInfo.$Properties;

            enum Type {
                UNKNOWN = 0,
                DOCKER = 1,
                MESOS = 2
            }
        }

        interface IVolume extends berth.v1.Volume.$Properties {
        }

        class Volume {
            constructor(properties?: berth.v1.Volume.$Properties);
            $unknowns?: Uint8Array[];
            hostPath: string;
            containerPath: string;
            readOnly: boolean;
            static create(properties: berth.v1.Volume.$Shape): berth.v1.Volume & berth.v1.Volume.$Shape;
            static create(properties?: berth.v1.Volume.$Properties): berth.v1.Volume;
            static encode(message: berth.v1.Volume.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.Volume & berth.v1.Volume.$Shape;
            static verify(message: { [k: string]: any }): (string|null);
            static fromObject(object: { [k: string]: any }): berth.v1.Volume;
            static toObject(message: berth.v1.Volume, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
            static getTypeUrl(prefix?: string): string;
        }

        namespace Volume {
            interface $Properties {
                hostPath?: (string|null);
                containerPath?: (string|null);
                readOnly?: (boolean|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = berth.v1.Volume.$Properties;
        }

        interface IHealthCheck extends berth.v1.HealthCheck.$Properties {
        }

        class HealthCheck {
            constructor(properties?: berth.v1.HealthCheck.$Properties);
            $unknowns?: Uint8Array[];
            type: berth.v1.HealthCheck.Type;
            portIndex: number;
            path: string;
            command?: (berth.v1.CommandInfo.$Properties|null);
            delayMs: number;
            intervalMs: number;
            timeoutMs: number;
            gracePeriodMs: number;
            consecutiveFailures: number;
            static create(properties: berth.v1.HealthCheck.$Shape): berth.v1.HealthCheck & berth.v1.HealthCheck.$Shape;
            static create(properties?: berth.v1.HealthCheck.$Properties): berth.v1.HealthCheck;
            static encode(message: berth.v1.HealthCheck.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.HealthCheck & berth.v1.HealthCheck.$Shape;
            static verify(message: { [k: string]: any }): (string|null);
            static fromObject(object: { [k: string]: any }): berth.v1.HealthCheck;
            static toObject(message: berth.v1.HealthCheck, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
            static getTypeUrl(prefix?: string): string;
        }

        namespace HealthCheck {
            interface $Properties {
                type?: (berth.v1.HealthCheck.Type|null);
                portIndex?: (number|null);
                path?: (string|null);
                command?: (berth.v1.CommandInfo.$Properties|null);
                delayMs?: (number|null);
                intervalMs?: (number|null);
                timeoutMs?: (number|null);
                gracePeriodMs?: (number|null);
                consecutiveFailures?: (number|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = berth.v1.HealthCheck.$Properties;

            enum Type {
                UNKNOWN = 0,
                HTTP = 1,
                TCP = 2,
                COMMAND = 3
            }
        }

        interface ITaskInfo extends berth.v1.TaskInfo.$Properties {
        }

        class TaskInfo {
            constructor(properties?: berth.v1.TaskInfo.$Properties);
            $unknowns?: Uint8Array[];
            taskId: string;
            name: string;
            agentId: string;
            resources?: (berth.v1.Resources.$Properties|null);
            command?: (berth.v1.CommandInfo.$Properties|null);
            container?: (berth.v1.ContainerInfo.$Properties|null);
            killGracePeriodMs: number;
            healthCheck?: (berth.v1.HealthCheck.$Properties|null);
            labels: { [k: string]: string };
            preemptible: boolean;
            static create(properties: berth.v1.TaskInfo.$Shape): berth.v1.TaskInfo & berth.v1.TaskInfo.$Shape;
            static create(properties?: berth.v1.TaskInfo.$Properties): berth.v1.TaskInfo;
            static encode(message: berth.v1.TaskInfo.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.TaskInfo & berth.v1.TaskInfo.$Shape;
            static verify(message: { [k: string]: any }): (string|null);
            static fromObject(object: { [k: string]: any }): berth.v1.TaskInfo;
            static toObject(message: berth.v1.TaskInfo, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
            static getTypeUrl(prefix?: string): string;
        }

        namespace TaskInfo {
            interface $Properties {
                taskId?: (string|null);
                name?: (string|null);
                agentId?: (string|null);
                resources?: (berth.v1.Resources.$Properties|null);
                command?: (berth.v1.CommandInfo.$Properties|null);
                container?: (berth.v1.ContainerInfo.$Properties|null);
                killGracePeriodMs?: (number|null);
                healthCheck?: (berth.v1.HealthCheck.$Properties|null);
                labels?: ({ [k: string]: string }|null);
                preemptible?: (boolean|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = berth.v1.TaskInfo.$Properties;
        }

        enum TaskState {
            TASK_UNKNOWN = 0,
            TASK_STAGING = 1,
            TASK_STARTING = 2,
            TASK_RUNNING = 3,
            TASK_KILLING = 4,
            TASK_FINISHED = 5,
            TASK_FAILED = 6,
            TASK_KILLED = 7,
            TASK_ERROR = 8,
            TASK_LOST = 9,
            TASK_DROPPED = 10,
            TASK_UNREACHABLE = 11,
            TASK_GONE = 12,
            TASK_GONE_BY_OPERATOR = 13
        }

        interface ITaskStatus extends berth.v1.TaskStatus.$Properties {
        }

        class TaskStatus {
            constructor(properties?: berth.v1.TaskStatus.$Properties);
            $unknowns?: Uint8Array[];
            taskId: string;
            state: berth.v1.TaskState;
            reason: string;
            message: string;
            agentId: string;
            frameworkId: string;
            uuid: string;
            timestampMs: number;
            source: berth.v1.TaskStatus.Source;
            health: number;
            exitCode: number;
            containerId: string;
            static create(properties: berth.v1.TaskStatus.$Shape): berth.v1.TaskStatus & berth.v1.TaskStatus.$Shape;
            static create(properties?: berth.v1.TaskStatus.$Properties): berth.v1.TaskStatus;
            static encode(message: berth.v1.TaskStatus.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.TaskStatus & berth.v1.TaskStatus.$Shape;
            static verify(message: { [k: string]: any }): (string|null);
            static fromObject(object: { [k: string]: any }): berth.v1.TaskStatus;
            static toObject(message: berth.v1.TaskStatus, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
            static getTypeUrl(prefix?: string): string;
        }

        namespace TaskStatus {
            interface $Properties {
                taskId?: (string|null);
                state?: (berth.v1.TaskState|null);
                reason?: (string|null);
                message?: (string|null);
                agentId?: (string|null);
                frameworkId?: (string|null);
                uuid?: (string|null);
                timestampMs?: (number|null);
                source?: (berth.v1.TaskStatus.Source|null);
                health?: (number|null);
                exitCode?: (number|null);
                containerId?: (string|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = berth.v1.TaskStatus.$Properties;

            enum Source {
                UNKNOWN = 0,
                MASTER = 1,
                AGENT = 2,
                EXECUTOR = 3
            }
        }

        interface IHello extends berth.v1.Hello.$Properties {
        }

        class Hello {
            constructor(properties?: berth.v1.Hello.$Properties);
            $unknowns?: Uint8Array[];
            protocolVersion: number;
            kind: berth.v1.Hello.Kind;
            client: string;
            static create(properties: berth.v1.Hello.$Shape): berth.v1.Hello & berth.v1.Hello.$Shape;
            static create(properties?: berth.v1.Hello.$Properties): berth.v1.Hello;
            static encode(message: berth.v1.Hello.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.Hello & berth.v1.Hello.$Shape;
            static verify(message: { [k: string]: any }): (string|null);
            static fromObject(object: { [k: string]: any }): berth.v1.Hello;
            static toObject(message: berth.v1.Hello, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
            static getTypeUrl(prefix?: string): string;
        }

        namespace Hello {
            interface $Properties {
                protocolVersion?: (number|null);
                kind?: (berth.v1.Hello.Kind|null);
                client?: (string|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = berth.v1.Hello.$Properties;

            enum Kind {
                UNKNOWN = 0,
                AGENT = 1,
                SCHEDULER = 2,
                OPERATOR = 3
            }
        }

        interface IWelcome extends berth.v1.Welcome.$Properties {
        }

        class Welcome {
            constructor(properties?: berth.v1.Welcome.$Properties);
            $unknowns?: Uint8Array[];
            protocolVersion: number;
            masterId: string;
            epoch: number;
            heartbeatIntervalMs: number;
            static create(properties: berth.v1.Welcome.$Shape): berth.v1.Welcome & berth.v1.Welcome.$Shape;
            static create(properties?: berth.v1.Welcome.$Properties): berth.v1.Welcome;
            static encode(message: berth.v1.Welcome.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.Welcome & berth.v1.Welcome.$Shape;
            static verify(message: { [k: string]: any }): (string|null);
            static fromObject(object: { [k: string]: any }): berth.v1.Welcome;
            static toObject(message: berth.v1.Welcome, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
            static getTypeUrl(prefix?: string): string;
        }

        namespace Welcome {
            interface $Properties {
                protocolVersion?: (number|null);
                masterId?: (string|null);
                epoch?: (number|null);
                heartbeatIntervalMs?: (number|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = berth.v1.Welcome.$Properties;
        }

        interface IError extends berth.v1.Error.$Properties {
        }

        class Error {
            constructor(properties?: berth.v1.Error.$Properties);
            $unknowns?: Uint8Array[];
            code: string;
            message: string;
            requestId: string;
            field: string;
            static create(properties: berth.v1.Error.$Shape): berth.v1.Error & berth.v1.Error.$Shape;
            static create(properties?: berth.v1.Error.$Properties): berth.v1.Error;
            static encode(message: berth.v1.Error.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.Error & berth.v1.Error.$Shape;
            static verify(message: { [k: string]: any }): (string|null);
            static fromObject(object: { [k: string]: any }): berth.v1.Error;
            static toObject(message: berth.v1.Error, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
            static getTypeUrl(prefix?: string): string;
        }

        namespace Error {
            interface $Properties {
                code?: (string|null);
                message?: (string|null);
                requestId?: (string|null);
                field?: (string|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = berth.v1.Error.$Properties;
        }

        interface IResourceUsage extends berth.v1.ResourceUsage.$Properties {
        }

        class ResourceUsage {
            constructor(properties?: berth.v1.ResourceUsage.$Properties);
            $unknowns?: Uint8Array[];
            cpuPercent: number;
            memBytes: number;
            atMs: number;
            static create(properties: berth.v1.ResourceUsage.$Shape): berth.v1.ResourceUsage & berth.v1.ResourceUsage.$Shape;
            static create(properties?: berth.v1.ResourceUsage.$Properties): berth.v1.ResourceUsage;
            static encode(message: berth.v1.ResourceUsage.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.ResourceUsage & berth.v1.ResourceUsage.$Shape;
            static verify(message: { [k: string]: any }): (string|null);
            static fromObject(object: { [k: string]: any }): berth.v1.ResourceUsage;
            static toObject(message: berth.v1.ResourceUsage, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
            static getTypeUrl(prefix?: string): string;
        }

        namespace ResourceUsage {
            interface $Properties {
                cpuPercent?: (number|null);
                memBytes?: (number|null);
                atMs?: (number|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = berth.v1.ResourceUsage.$Properties;
        }

        interface ITaskUsage extends berth.v1.TaskUsage.$Properties {
        }

        class TaskUsage {
            constructor(properties?: berth.v1.TaskUsage.$Properties);
            $unknowns?: Uint8Array[];
            taskId: string;
            usage?: (berth.v1.ResourceUsage.$Properties|null);
            static create(properties: berth.v1.TaskUsage.$Shape): berth.v1.TaskUsage & berth.v1.TaskUsage.$Shape;
            static create(properties?: berth.v1.TaskUsage.$Properties): berth.v1.TaskUsage;
            static encode(message: berth.v1.TaskUsage.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.TaskUsage & berth.v1.TaskUsage.$Shape;
            static verify(message: { [k: string]: any }): (string|null);
            static fromObject(object: { [k: string]: any }): berth.v1.TaskUsage;
            static toObject(message: berth.v1.TaskUsage, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
            static getTypeUrl(prefix?: string): string;
        }

        namespace TaskUsage {
            interface $Properties {
                taskId?: (string|null);
                usage?: (berth.v1.ResourceUsage.$Properties|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = berth.v1.TaskUsage.$Properties;
        }

        interface ITaskReport extends berth.v1.TaskReport.$Properties {
        }

        class TaskReport {
            constructor(properties?: berth.v1.TaskReport.$Properties);
            $unknowns?: Uint8Array[];
            task?: (berth.v1.TaskInfo.$Properties|null);
            frameworkId: string;
            status?: (berth.v1.TaskStatus.$Properties|null);
            static create(properties: berth.v1.TaskReport.$Shape): berth.v1.TaskReport & berth.v1.TaskReport.$Shape;
            static create(properties?: berth.v1.TaskReport.$Properties): berth.v1.TaskReport;
            static encode(message: berth.v1.TaskReport.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.TaskReport & berth.v1.TaskReport.$Shape;
            static verify(message: { [k: string]: any }): (string|null);
            static fromObject(object: { [k: string]: any }): berth.v1.TaskReport;
            static toObject(message: berth.v1.TaskReport, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
            static getTypeUrl(prefix?: string): string;
        }

        namespace TaskReport {
            interface $Properties {
                task?: (berth.v1.TaskInfo.$Properties|null);
                frameworkId?: (string|null);
                status?: (berth.v1.TaskStatus.$Properties|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = berth.v1.TaskReport.$Properties;
        }

        interface IAgentCall extends berth.v1.AgentCall.$Properties {
        }

        class AgentCall {
            constructor(properties?: berth.v1.AgentCall.$Properties);
            $unknowns?: Uint8Array[];
            register?: (berth.v1.AgentCall.Register.$Properties|null);
            update?: (berth.v1.AgentCall.StatusUpdate.$Properties|null);
            usage?: (berth.v1.AgentCall.Usage.$Properties|null);
            logLines?: (berth.v1.AgentCall.LogLines.$Properties|null);
            call?: ("register"|"update"|"usage"|"logLines");
            static create(properties: berth.v1.AgentCall.$Shape): berth.v1.AgentCall & berth.v1.AgentCall.$Shape;
            static create(properties?: berth.v1.AgentCall.$Properties): berth.v1.AgentCall;
            static encode(message: berth.v1.AgentCall.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.AgentCall & berth.v1.AgentCall.$Shape;
            static verify(message: { [k: string]: any }): (string|null);
            static fromObject(object: { [k: string]: any }): berth.v1.AgentCall;
            static toObject(message: berth.v1.AgentCall, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
            static getTypeUrl(prefix?: string): string;
        }

        namespace AgentCall {
            interface $Properties {
                register?: (berth.v1.AgentCall.Register.$Properties|null);
                update?: (berth.v1.AgentCall.StatusUpdate.$Properties|null);
                usage?: (berth.v1.AgentCall.Usage.$Properties|null);
                logLines?: (berth.v1.AgentCall.LogLines.$Properties|null);
                call?: ("register"|"update"|"usage"|"logLines");
                $unknowns?: Uint8Array[];
            }
            type $Shape = {
              register?: berth.v1.AgentCall.Register.$Shape|null;
              update?: berth.v1.AgentCall.StatusUpdate.$Shape|null;
              usage?: berth.v1.AgentCall.Usage.$Shape|null;
              logLines?: berth.v1.AgentCall.LogLines.$Shape|null;
              $unknowns?: Uint8Array[];
            } & (
              ({ call?: undefined; register?: null; update?: null; usage?: null; logLines?: null }|{ call?: "register"; register: berth.v1.AgentCall.Register.$Shape; update?: null; usage?: null; logLines?: null }|{ call?: "update"; register?: null; update: berth.v1.AgentCall.StatusUpdate.$Shape; usage?: null; logLines?: null }|{ call?: "usage"; register?: null; update?: null; usage: berth.v1.AgentCall.Usage.$Shape; logLines?: null }|{ call?: "logLines"; register?: null; update?: null; usage?: null; logLines: berth.v1.AgentCall.LogLines.$Shape })
            );

            interface IRegister extends berth.v1.AgentCall.Register.$Properties {
            }

            class Register {
                constructor(properties?: berth.v1.AgentCall.Register.$Properties);
                $unknowns?: Uint8Array[];
                agent?: (berth.v1.AgentInfo.$Properties|null);
                agentId: string;
                tasks: berth.v1.TaskReport.$Properties[];
                pendingUpdates: berth.v1.TaskStatus.$Properties[];
                previousAgentId: string;
                static create(properties: berth.v1.AgentCall.Register.$Shape): berth.v1.AgentCall.Register & berth.v1.AgentCall.Register.$Shape;
                static create(properties?: berth.v1.AgentCall.Register.$Properties): berth.v1.AgentCall.Register;
                static encode(message: berth.v1.AgentCall.Register.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.AgentCall.Register & berth.v1.AgentCall.Register.$Shape;
                static verify(message: { [k: string]: any }): (string|null);
                static fromObject(object: { [k: string]: any }): berth.v1.AgentCall.Register;
                static toObject(message: berth.v1.AgentCall.Register, options?: $protobuf.IConversionOptions): { [k: string]: any };
                toJSON(): { [k: string]: any };
                static getTypeUrl(prefix?: string): string;
            }

            namespace Register {
                interface $Properties {
                    agent?: (berth.v1.AgentInfo.$Properties|null);
                    agentId?: (string|null);
                    tasks?: (berth.v1.TaskReport.$Properties[]|null);
                    pendingUpdates?: (berth.v1.TaskStatus.$Properties[]|null);
                    previousAgentId?: (string|null);
                    $unknowns?: Uint8Array[];
                }
                type $Shape = berth.v1.AgentCall.Register.$Properties;
            }

            interface IStatusUpdate extends berth.v1.AgentCall.StatusUpdate.$Properties {
            }

            class StatusUpdate {
                constructor(properties?: berth.v1.AgentCall.StatusUpdate.$Properties);
                $unknowns?: Uint8Array[];
                status?: (berth.v1.TaskStatus.$Properties|null);
                static create(properties: berth.v1.AgentCall.StatusUpdate.$Shape): berth.v1.AgentCall.StatusUpdate & berth.v1.AgentCall.StatusUpdate.$Shape;
                static create(properties?: berth.v1.AgentCall.StatusUpdate.$Properties): berth.v1.AgentCall.StatusUpdate;
                static encode(message: berth.v1.AgentCall.StatusUpdate.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.AgentCall.StatusUpdate & berth.v1.AgentCall.StatusUpdate.$Shape;
                static verify(message: { [k: string]: any }): (string|null);
                static fromObject(object: { [k: string]: any }): berth.v1.AgentCall.StatusUpdate;
                static toObject(message: berth.v1.AgentCall.StatusUpdate, options?: $protobuf.IConversionOptions): { [k: string]: any };
                toJSON(): { [k: string]: any };
                static getTypeUrl(prefix?: string): string;
            }

            namespace StatusUpdate {
                interface $Properties {
                    status?: (berth.v1.TaskStatus.$Properties|null);
                    $unknowns?: Uint8Array[];
                }
                type $Shape = berth.v1.AgentCall.StatusUpdate.$Properties;
            }

            interface IUsage extends berth.v1.AgentCall.Usage.$Properties {
            }

            class Usage {
                constructor(properties?: berth.v1.AgentCall.Usage.$Properties);
                $unknowns?: Uint8Array[];
                tasks: berth.v1.TaskUsage.$Properties[];
                agent?: (berth.v1.ResourceUsage.$Properties|null);
                underPressure: boolean;
                pressureReason: string;
                static create(properties: berth.v1.AgentCall.Usage.$Shape): berth.v1.AgentCall.Usage & berth.v1.AgentCall.Usage.$Shape;
                static create(properties?: berth.v1.AgentCall.Usage.$Properties): berth.v1.AgentCall.Usage;
                static encode(message: berth.v1.AgentCall.Usage.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.AgentCall.Usage & berth.v1.AgentCall.Usage.$Shape;
                static verify(message: { [k: string]: any }): (string|null);
                static fromObject(object: { [k: string]: any }): berth.v1.AgentCall.Usage;
                static toObject(message: berth.v1.AgentCall.Usage, options?: $protobuf.IConversionOptions): { [k: string]: any };
                toJSON(): { [k: string]: any };
                static getTypeUrl(prefix?: string): string;
            }

            namespace Usage {
                interface $Properties {
                    tasks?: (berth.v1.TaskUsage.$Properties[]|null);
                    agent?: (berth.v1.ResourceUsage.$Properties|null);
                    underPressure?: (boolean|null);
                    pressureReason?: (string|null);
                    $unknowns?: Uint8Array[];
                }
                type $Shape = berth.v1.AgentCall.Usage.$Properties;
            }

            interface ILogLines extends berth.v1.AgentCall.LogLines.$Properties {
            }

            class LogLines {
                constructor(properties?: berth.v1.AgentCall.LogLines.$Properties);
                $unknowns?: Uint8Array[];
                requestId: string;
                lines: string[];
                eof: boolean;
                error: string;
                static create(properties: berth.v1.AgentCall.LogLines.$Shape): berth.v1.AgentCall.LogLines & berth.v1.AgentCall.LogLines.$Shape;
                static create(properties?: berth.v1.AgentCall.LogLines.$Properties): berth.v1.AgentCall.LogLines;
                static encode(message: berth.v1.AgentCall.LogLines.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.AgentCall.LogLines & berth.v1.AgentCall.LogLines.$Shape;
                static verify(message: { [k: string]: any }): (string|null);
                static fromObject(object: { [k: string]: any }): berth.v1.AgentCall.LogLines;
                static toObject(message: berth.v1.AgentCall.LogLines, options?: $protobuf.IConversionOptions): { [k: string]: any };
                toJSON(): { [k: string]: any };
                static getTypeUrl(prefix?: string): string;
            }

            namespace LogLines {
                interface $Properties {
                    requestId?: (string|null);
                    lines?: (string[]|null);
                    eof?: (boolean|null);
                    error?: (string|null);
                    $unknowns?: Uint8Array[];
                }
                type $Shape = berth.v1.AgentCall.LogLines.$Properties;
            }
        }

        interface IAgentEvent extends berth.v1.AgentEvent.$Properties {
        }

        class AgentEvent {
            constructor(properties?: berth.v1.AgentEvent.$Properties);
            $unknowns?: Uint8Array[];
            epoch: number;
            registered?: (berth.v1.AgentEvent.Registered.$Properties|null);
            runTask?: (berth.v1.AgentEvent.RunTask.$Properties|null);
            killTask?: (berth.v1.AgentEvent.KillTask.$Properties|null);
            acknowledge?: (berth.v1.AgentEvent.Acknowledge.$Properties|null);
            shutdown?: (berth.v1.AgentEvent.Shutdown.$Properties|null);
            error?: (berth.v1.Error.$Properties|null);
            readLogs?: (berth.v1.AgentEvent.ReadLogs.$Properties|null);
            cancelLogs?: (berth.v1.AgentEvent.CancelLogs.$Properties|null);
            event?: ("registered"|"runTask"|"killTask"|"acknowledge"|"shutdown"|"error"|"readLogs"|"cancelLogs");
            static create(properties: berth.v1.AgentEvent.$Shape): berth.v1.AgentEvent & berth.v1.AgentEvent.$Shape;
            static create(properties?: berth.v1.AgentEvent.$Properties): berth.v1.AgentEvent;
            static encode(message: berth.v1.AgentEvent.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.AgentEvent & berth.v1.AgentEvent.$Shape;
            static verify(message: { [k: string]: any }): (string|null);
            static fromObject(object: { [k: string]: any }): berth.v1.AgentEvent;
            static toObject(message: berth.v1.AgentEvent, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
            static getTypeUrl(prefix?: string): string;
        }

        namespace AgentEvent {
            interface $Properties {
                epoch?: (number|null);
                registered?: (berth.v1.AgentEvent.Registered.$Properties|null);
                runTask?: (berth.v1.AgentEvent.RunTask.$Properties|null);
                killTask?: (berth.v1.AgentEvent.KillTask.$Properties|null);
                acknowledge?: (berth.v1.AgentEvent.Acknowledge.$Properties|null);
                shutdown?: (berth.v1.AgentEvent.Shutdown.$Properties|null);
                error?: (berth.v1.Error.$Properties|null);
                readLogs?: (berth.v1.AgentEvent.ReadLogs.$Properties|null);
                cancelLogs?: (berth.v1.AgentEvent.CancelLogs.$Properties|null);
                event?: ("registered"|"runTask"|"killTask"|"acknowledge"|"shutdown"|"error"|"readLogs"|"cancelLogs");
                $unknowns?: Uint8Array[];
            }
            type $Shape = {
              epoch?: number|null;
              registered?: berth.v1.AgentEvent.Registered.$Shape|null;
              runTask?: berth.v1.AgentEvent.RunTask.$Shape|null;
              killTask?: berth.v1.AgentEvent.KillTask.$Shape|null;
              acknowledge?: berth.v1.AgentEvent.Acknowledge.$Shape|null;
              shutdown?: berth.v1.AgentEvent.Shutdown.$Shape|null;
              error?: berth.v1.Error.$Shape|null;
              readLogs?: berth.v1.AgentEvent.ReadLogs.$Shape|null;
              cancelLogs?: berth.v1.AgentEvent.CancelLogs.$Shape|null;
              $unknowns?: Uint8Array[];
            } & (
              ({ event?: undefined; registered?: null; runTask?: null; killTask?: null; acknowledge?: null; shutdown?: null; error?: null; readLogs?: null; cancelLogs?: null }|{ event?: "registered"; registered: berth.v1.AgentEvent.Registered.$Shape; runTask?: null; killTask?: null; acknowledge?: null; shutdown?: null; error?: null; readLogs?: null; cancelLogs?: null }|{ event?: "runTask"; registered?: null; runTask: berth.v1.AgentEvent.RunTask.$Shape; killTask?: null; acknowledge?: null; shutdown?: null; error?: null; readLogs?: null; cancelLogs?: null }|{ event?: "killTask"; registered?: null; runTask?: null; killTask: berth.v1.AgentEvent.KillTask.$Shape; acknowledge?: null; shutdown?: null; error?: null; readLogs?: null; cancelLogs?: null }|{ event?: "acknowledge"; registered?: null; runTask?: null; killTask?: null; acknowledge: berth.v1.AgentEvent.Acknowledge.$Shape; shutdown?: null; error?: null; readLogs?: null; cancelLogs?: null }|{ event?: "shutdown"; registered?: null; runTask?: null; killTask?: null; acknowledge?: null; shutdown: berth.v1.AgentEvent.Shutdown.$Shape; error?: null; readLogs?: null; cancelLogs?: null }|{ event?: "error"; registered?: null; runTask?: null; killTask?: null; acknowledge?: null; shutdown?: null; error: berth.v1.Error.$Shape; readLogs?: null; cancelLogs?: null }|{ event?: "readLogs"; registered?: null; runTask?: null; killTask?: null; acknowledge?: null; shutdown?: null; error?: null; readLogs: berth.v1.AgentEvent.ReadLogs.$Shape; cancelLogs?: null }|{ event?: "cancelLogs"; registered?: null; runTask?: null; killTask?: null; acknowledge?: null; shutdown?: null; error?: null; readLogs?: null; cancelLogs: berth.v1.AgentEvent.CancelLogs.$Shape })
            );

            interface IRegistered extends berth.v1.AgentEvent.Registered.$Properties {
            }

            class Registered {
                constructor(properties?: berth.v1.AgentEvent.Registered.$Properties);
                $unknowns?: Uint8Array[];
                agentId: string;
                static create(properties: berth.v1.AgentEvent.Registered.$Shape): berth.v1.AgentEvent.Registered & berth.v1.AgentEvent.Registered.$Shape;
                static create(properties?: berth.v1.AgentEvent.Registered.$Properties): berth.v1.AgentEvent.Registered;
                static encode(message: berth.v1.AgentEvent.Registered.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.AgentEvent.Registered & berth.v1.AgentEvent.Registered.$Shape;
                static verify(message: { [k: string]: any }): (string|null);
                static fromObject(object: { [k: string]: any }): berth.v1.AgentEvent.Registered;
                static toObject(message: berth.v1.AgentEvent.Registered, options?: $protobuf.IConversionOptions): { [k: string]: any };
                toJSON(): { [k: string]: any };
                static getTypeUrl(prefix?: string): string;
            }

            namespace Registered {
                interface $Properties {
                    agentId?: (string|null);
                    $unknowns?: Uint8Array[];
                }
                type $Shape = berth.v1.AgentEvent.Registered.$Properties;
            }

            interface IRunTask extends berth.v1.AgentEvent.RunTask.$Properties {
            }

            class RunTask {
                constructor(properties?: berth.v1.AgentEvent.RunTask.$Properties);
                $unknowns?: Uint8Array[];
                frameworkId: string;
                framework?: (berth.v1.FrameworkInfo.$Properties|null);
                task?: (berth.v1.TaskInfo.$Properties|null);
                static create(properties: berth.v1.AgentEvent.RunTask.$Shape): berth.v1.AgentEvent.RunTask & berth.v1.AgentEvent.RunTask.$Shape;
                static create(properties?: berth.v1.AgentEvent.RunTask.$Properties): berth.v1.AgentEvent.RunTask;
                static encode(message: berth.v1.AgentEvent.RunTask.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.AgentEvent.RunTask & berth.v1.AgentEvent.RunTask.$Shape;
                static verify(message: { [k: string]: any }): (string|null);
                static fromObject(object: { [k: string]: any }): berth.v1.AgentEvent.RunTask;
                static toObject(message: berth.v1.AgentEvent.RunTask, options?: $protobuf.IConversionOptions): { [k: string]: any };
                toJSON(): { [k: string]: any };
                static getTypeUrl(prefix?: string): string;
            }

            namespace RunTask {
                interface $Properties {
                    frameworkId?: (string|null);
                    framework?: (berth.v1.FrameworkInfo.$Properties|null);
                    task?: (berth.v1.TaskInfo.$Properties|null);
                    $unknowns?: Uint8Array[];
                }
                type $Shape = berth.v1.AgentEvent.RunTask.$Properties;
            }

            interface IKillTask extends berth.v1.AgentEvent.KillTask.$Properties {
            }

            class KillTask {
                constructor(properties?: berth.v1.AgentEvent.KillTask.$Properties);
                $unknowns?: Uint8Array[];
                frameworkId: string;
                taskId: string;
                gracePeriodMs: number;
                reason: string;
                static create(properties: berth.v1.AgentEvent.KillTask.$Shape): berth.v1.AgentEvent.KillTask & berth.v1.AgentEvent.KillTask.$Shape;
                static create(properties?: berth.v1.AgentEvent.KillTask.$Properties): berth.v1.AgentEvent.KillTask;
                static encode(message: berth.v1.AgentEvent.KillTask.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.AgentEvent.KillTask & berth.v1.AgentEvent.KillTask.$Shape;
                static verify(message: { [k: string]: any }): (string|null);
                static fromObject(object: { [k: string]: any }): berth.v1.AgentEvent.KillTask;
                static toObject(message: berth.v1.AgentEvent.KillTask, options?: $protobuf.IConversionOptions): { [k: string]: any };
                toJSON(): { [k: string]: any };
                static getTypeUrl(prefix?: string): string;
            }

            namespace KillTask {
                interface $Properties {
                    frameworkId?: (string|null);
                    taskId?: (string|null);
                    gracePeriodMs?: (number|null);
                    reason?: (string|null);
                    $unknowns?: Uint8Array[];
                }
                type $Shape = berth.v1.AgentEvent.KillTask.$Properties;
            }

            interface IAcknowledge extends berth.v1.AgentEvent.Acknowledge.$Properties {
            }

            class Acknowledge {
                constructor(properties?: berth.v1.AgentEvent.Acknowledge.$Properties);
                $unknowns?: Uint8Array[];
                taskId: string;
                uuid: string;
                static create(properties: berth.v1.AgentEvent.Acknowledge.$Shape): berth.v1.AgentEvent.Acknowledge & berth.v1.AgentEvent.Acknowledge.$Shape;
                static create(properties?: berth.v1.AgentEvent.Acknowledge.$Properties): berth.v1.AgentEvent.Acknowledge;
                static encode(message: berth.v1.AgentEvent.Acknowledge.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.AgentEvent.Acknowledge & berth.v1.AgentEvent.Acknowledge.$Shape;
                static verify(message: { [k: string]: any }): (string|null);
                static fromObject(object: { [k: string]: any }): berth.v1.AgentEvent.Acknowledge;
                static toObject(message: berth.v1.AgentEvent.Acknowledge, options?: $protobuf.IConversionOptions): { [k: string]: any };
                toJSON(): { [k: string]: any };
                static getTypeUrl(prefix?: string): string;
            }

            namespace Acknowledge {
                interface $Properties {
                    taskId?: (string|null);
                    uuid?: (string|null);
                    $unknowns?: Uint8Array[];
                }
                type $Shape = berth.v1.AgentEvent.Acknowledge.$Properties;
            }

            interface IShutdown extends berth.v1.AgentEvent.Shutdown.$Properties {
            }

            class Shutdown {
                constructor(properties?: berth.v1.AgentEvent.Shutdown.$Properties);
                $unknowns?: Uint8Array[];
                reason: string;
                static create(properties: berth.v1.AgentEvent.Shutdown.$Shape): berth.v1.AgentEvent.Shutdown & berth.v1.AgentEvent.Shutdown.$Shape;
                static create(properties?: berth.v1.AgentEvent.Shutdown.$Properties): berth.v1.AgentEvent.Shutdown;
                static encode(message: berth.v1.AgentEvent.Shutdown.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.AgentEvent.Shutdown & berth.v1.AgentEvent.Shutdown.$Shape;
                static verify(message: { [k: string]: any }): (string|null);
                static fromObject(object: { [k: string]: any }): berth.v1.AgentEvent.Shutdown;
                static toObject(message: berth.v1.AgentEvent.Shutdown, options?: $protobuf.IConversionOptions): { [k: string]: any };
                toJSON(): { [k: string]: any };
                static getTypeUrl(prefix?: string): string;
            }

            namespace Shutdown {
                interface $Properties {
                    reason?: (string|null);
                    $unknowns?: Uint8Array[];
                }
                type $Shape = berth.v1.AgentEvent.Shutdown.$Properties;
            }

            interface IReadLogs extends berth.v1.AgentEvent.ReadLogs.$Properties {
            }

            class ReadLogs {
                constructor(properties?: berth.v1.AgentEvent.ReadLogs.$Properties);
                $unknowns?: Uint8Array[];
                requestId: string;
                taskId: string;
                follow: boolean;
                tail: number;
                static create(properties: berth.v1.AgentEvent.ReadLogs.$Shape): berth.v1.AgentEvent.ReadLogs & berth.v1.AgentEvent.ReadLogs.$Shape;
                static create(properties?: berth.v1.AgentEvent.ReadLogs.$Properties): berth.v1.AgentEvent.ReadLogs;
                static encode(message: berth.v1.AgentEvent.ReadLogs.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.AgentEvent.ReadLogs & berth.v1.AgentEvent.ReadLogs.$Shape;
                static verify(message: { [k: string]: any }): (string|null);
                static fromObject(object: { [k: string]: any }): berth.v1.AgentEvent.ReadLogs;
                static toObject(message: berth.v1.AgentEvent.ReadLogs, options?: $protobuf.IConversionOptions): { [k: string]: any };
                toJSON(): { [k: string]: any };
                static getTypeUrl(prefix?: string): string;
            }

            namespace ReadLogs {
                interface $Properties {
                    requestId?: (string|null);
                    taskId?: (string|null);
                    follow?: (boolean|null);
                    tail?: (number|null);
                    $unknowns?: Uint8Array[];
                }
                type $Shape = berth.v1.AgentEvent.ReadLogs.$Properties;
            }

            interface ICancelLogs extends berth.v1.AgentEvent.CancelLogs.$Properties {
            }

            class CancelLogs {
                constructor(properties?: berth.v1.AgentEvent.CancelLogs.$Properties);
                $unknowns?: Uint8Array[];
                requestId: string;
                static create(properties: berth.v1.AgentEvent.CancelLogs.$Shape): berth.v1.AgentEvent.CancelLogs & berth.v1.AgentEvent.CancelLogs.$Shape;
                static create(properties?: berth.v1.AgentEvent.CancelLogs.$Properties): berth.v1.AgentEvent.CancelLogs;
                static encode(message: berth.v1.AgentEvent.CancelLogs.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.AgentEvent.CancelLogs & berth.v1.AgentEvent.CancelLogs.$Shape;
                static verify(message: { [k: string]: any }): (string|null);
                static fromObject(object: { [k: string]: any }): berth.v1.AgentEvent.CancelLogs;
                static toObject(message: berth.v1.AgentEvent.CancelLogs, options?: $protobuf.IConversionOptions): { [k: string]: any };
                toJSON(): { [k: string]: any };
                static getTypeUrl(prefix?: string): string;
            }

            namespace CancelLogs {
                interface $Properties {
                    requestId?: (string|null);
                    $unknowns?: Uint8Array[];
                }
                type $Shape = berth.v1.AgentEvent.CancelLogs.$Properties;
            }
        }

        interface IFilters extends berth.v1.Filters.$Properties {
        }

        class Filters {
            constructor(properties?: berth.v1.Filters.$Properties);
            $unknowns?: Uint8Array[];
            refuseSeconds: number;
            static create(properties: berth.v1.Filters.$Shape): berth.v1.Filters & berth.v1.Filters.$Shape;
            static create(properties?: berth.v1.Filters.$Properties): berth.v1.Filters;
            static encode(message: berth.v1.Filters.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.Filters & berth.v1.Filters.$Shape;
            static verify(message: { [k: string]: any }): (string|null);
            static fromObject(object: { [k: string]: any }): berth.v1.Filters;
            static toObject(message: berth.v1.Filters, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
            static getTypeUrl(prefix?: string): string;
        }

        namespace Filters {
            interface $Properties {
                refuseSeconds?: (number|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = berth.v1.Filters.$Properties;
        }

        interface IOperation extends berth.v1.Operation.$Properties {
        }

        class Operation {
            constructor(properties?: berth.v1.Operation.$Properties);
            $unknowns?: Uint8Array[];
            type: berth.v1.Operation.Type;
            tasks: berth.v1.TaskInfo.$Properties[];
            reservations: berth.v1.Reservation.$Properties[];
            static create(properties: berth.v1.Operation.$Shape): berth.v1.Operation & berth.v1.Operation.$Shape;
            static create(properties?: berth.v1.Operation.$Properties): berth.v1.Operation;
            static encode(message: berth.v1.Operation.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.Operation & berth.v1.Operation.$Shape;
            static verify(message: { [k: string]: any }): (string|null);
            static fromObject(object: { [k: string]: any }): berth.v1.Operation;
            static toObject(message: berth.v1.Operation, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
            static getTypeUrl(prefix?: string): string;
        }

        namespace Operation {
            interface $Properties {
                type?: (berth.v1.Operation.Type|null);
                tasks?: (berth.v1.TaskInfo.$Properties[]|null);
                reservations?: (berth.v1.Reservation.$Properties[]|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = berth.v1.Operation.$Properties;

            enum Type {
                UNKNOWN = 0,
                LAUNCH = 1,
                LAUNCH_GROUP = 2,
                RESERVE = 3,
                UNRESERVE = 4
            }
        }

        interface ISchedulerCall extends berth.v1.SchedulerCall.$Properties {
        }

        class SchedulerCall {
            constructor(properties?: berth.v1.SchedulerCall.$Properties);
            $unknowns?: Uint8Array[];
            requestId: string;
            subscribe?: (berth.v1.SchedulerCall.Subscribe.$Properties|null);
            accept?: (berth.v1.SchedulerCall.Accept.$Properties|null);
            decline?: (berth.v1.SchedulerCall.Decline.$Properties|null);
            kill?: (berth.v1.SchedulerCall.Kill.$Properties|null);
            acknowledge?: (berth.v1.SchedulerCall.Acknowledge.$Properties|null);
            reconcile?: (berth.v1.SchedulerCall.Reconcile.$Properties|null);
            revive?: (berth.v1.SchedulerCall.Revive.$Properties|null);
            suppress?: (berth.v1.SchedulerCall.Suppress.$Properties|null);
            teardown?: (berth.v1.SchedulerCall.Teardown.$Properties|null);
            requestGang?: (berth.v1.SchedulerCall.RequestGang.$Properties|null);
            cancelGang?: (berth.v1.SchedulerCall.CancelGang.$Properties|null);
            call?: ("subscribe"|"accept"|"decline"|"kill"|"acknowledge"|"reconcile"|"revive"|"suppress"|"teardown"|"requestGang"|"cancelGang");
            static create(properties: berth.v1.SchedulerCall.$Shape): berth.v1.SchedulerCall & berth.v1.SchedulerCall.$Shape;
            static create(properties?: berth.v1.SchedulerCall.$Properties): berth.v1.SchedulerCall;
            static encode(message: berth.v1.SchedulerCall.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.SchedulerCall & berth.v1.SchedulerCall.$Shape;
            static verify(message: { [k: string]: any }): (string|null);
            static fromObject(object: { [k: string]: any }): berth.v1.SchedulerCall;
            static toObject(message: berth.v1.SchedulerCall, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
            static getTypeUrl(prefix?: string): string;
        }

        namespace SchedulerCall {
            interface $Properties {
                requestId?: (string|null);
                subscribe?: (berth.v1.SchedulerCall.Subscribe.$Properties|null);
                accept?: (berth.v1.SchedulerCall.Accept.$Properties|null);
                decline?: (berth.v1.SchedulerCall.Decline.$Properties|null);
                kill?: (berth.v1.SchedulerCall.Kill.$Properties|null);
                acknowledge?: (berth.v1.SchedulerCall.Acknowledge.$Properties|null);
                reconcile?: (berth.v1.SchedulerCall.Reconcile.$Properties|null);
                revive?: (berth.v1.SchedulerCall.Revive.$Properties|null);
                suppress?: (berth.v1.SchedulerCall.Suppress.$Properties|null);
                teardown?: (berth.v1.SchedulerCall.Teardown.$Properties|null);
                requestGang?: (berth.v1.SchedulerCall.RequestGang.$Properties|null);
                cancelGang?: (berth.v1.SchedulerCall.CancelGang.$Properties|null);
                call?: ("subscribe"|"accept"|"decline"|"kill"|"acknowledge"|"reconcile"|"revive"|"suppress"|"teardown"|"requestGang"|"cancelGang");
                $unknowns?: Uint8Array[];
            }
            type $Shape = {
              requestId?: string|null;
              subscribe?: berth.v1.SchedulerCall.Subscribe.$Shape|null;
              accept?: berth.v1.SchedulerCall.Accept.$Shape|null;
              decline?: berth.v1.SchedulerCall.Decline.$Shape|null;
              kill?: berth.v1.SchedulerCall.Kill.$Shape|null;
              acknowledge?: berth.v1.SchedulerCall.Acknowledge.$Shape|null;
              reconcile?: berth.v1.SchedulerCall.Reconcile.$Shape|null;
              revive?: berth.v1.SchedulerCall.Revive.$Shape|null;
              suppress?: berth.v1.SchedulerCall.Suppress.$Shape|null;
              teardown?: berth.v1.SchedulerCall.Teardown.$Shape|null;
              requestGang?: berth.v1.SchedulerCall.RequestGang.$Shape|null;
              cancelGang?: berth.v1.SchedulerCall.CancelGang.$Shape|null;
              $unknowns?: Uint8Array[];
            } & (
              ({ call?: undefined; subscribe?: null; accept?: null; decline?: null; kill?: null; acknowledge?: null; reconcile?: null; revive?: null; suppress?: null; teardown?: null; requestGang?: null; cancelGang?: null }|{ call?: "subscribe"; subscribe: berth.v1.SchedulerCall.Subscribe.$Shape; accept?: null; decline?: null; kill?: null; acknowledge?: null; reconcile?: null; revive?: null; suppress?: null; teardown?: null; requestGang?: null; cancelGang?: null }|{ call?: "accept"; subscribe?: null; accept: berth.v1.SchedulerCall.Accept.$Shape; decline?: null; kill?: null; acknowledge?: null; reconcile?: null; revive?: null; suppress?: null; teardown?: null; requestGang?: null; cancelGang?: null }|{ call?: "decline"; subscribe?: null; accept?: null; decline: berth.v1.SchedulerCall.Decline.$Shape; kill?: null; acknowledge?: null; reconcile?: null; revive?: null; suppress?: null; teardown?: null; requestGang?: null; cancelGang?: null }|{ call?: "kill"; subscribe?: null; accept?: null; decline?: null; kill: berth.v1.SchedulerCall.Kill.$Shape; acknowledge?: null; reconcile?: null; revive?: null; suppress?: null; teardown?: null; requestGang?: null; cancelGang?: null }|{ call?: "acknowledge"; subscribe?: null; accept?: null; decline?: null; kill?: null; acknowledge: berth.v1.SchedulerCall.Acknowledge.$Shape; reconcile?: null; revive?: null; suppress?: null; teardown?: null; requestGang?: null; cancelGang?: null }|{ call?: "reconcile"; subscribe?: null; accept?: null; decline?: null; kill?: null; acknowledge?: null; reconcile: berth.v1.SchedulerCall.Reconcile.$Shape; revive?: null; suppress?: null; teardown?: null; requestGang?: null; cancelGang?: null }|{ call?: "revive"; subscribe?: null; accept?: null; decline?: null; kill?: null; acknowledge?: null; reconcile?: null; revive: berth.v1.SchedulerCall.Revive.$Shape; suppress?: null; teardown?: null; requestGang?: null; cancelGang?: null }|{ call?: "suppress"; subscribe?: null; accept?: null; decline?: null; kill?: null; acknowledge?: null; reconcile?: null; revive?: null; suppress: berth.v1.SchedulerCall.Suppress.$Shape; teardown?: null; requestGang?: null; cancelGang?: null }|{ call?: "teardown"; subscribe?: null; accept?: null; decline?: null; kill?: null; acknowledge?: null; reconcile?: null; revive?: null; suppress?: null; teardown: berth.v1.SchedulerCall.Teardown.$Shape; requestGang?: null; cancelGang?: null }|{ call?: "requestGang"; subscribe?: null; accept?: null; decline?: null; kill?: null; acknowledge?: null; reconcile?: null; revive?: null; suppress?: null; teardown?: null; requestGang: berth.v1.SchedulerCall.RequestGang.$Shape; cancelGang?: null }|{ call?: "cancelGang"; subscribe?: null; accept?: null; decline?: null; kill?: null; acknowledge?: null; reconcile?: null; revive?: null; suppress?: null; teardown?: null; requestGang?: null; cancelGang: berth.v1.SchedulerCall.CancelGang.$Shape })
            );

            interface ISubscribe extends berth.v1.SchedulerCall.Subscribe.$Properties {
            }

            class Subscribe {
                constructor(properties?: berth.v1.SchedulerCall.Subscribe.$Properties);
                $unknowns?: Uint8Array[];
                framework?: (berth.v1.FrameworkInfo.$Properties|null);
                frameworkId: string;
                static create(properties: berth.v1.SchedulerCall.Subscribe.$Shape): berth.v1.SchedulerCall.Subscribe & berth.v1.SchedulerCall.Subscribe.$Shape;
                static create(properties?: berth.v1.SchedulerCall.Subscribe.$Properties): berth.v1.SchedulerCall.Subscribe;
                static encode(message: berth.v1.SchedulerCall.Subscribe.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.SchedulerCall.Subscribe & berth.v1.SchedulerCall.Subscribe.$Shape;
                static verify(message: { [k: string]: any }): (string|null);
                static fromObject(object: { [k: string]: any }): berth.v1.SchedulerCall.Subscribe;
                static toObject(message: berth.v1.SchedulerCall.Subscribe, options?: $protobuf.IConversionOptions): { [k: string]: any };
                toJSON(): { [k: string]: any };
                static getTypeUrl(prefix?: string): string;
            }

            namespace Subscribe {
                interface $Properties {
                    framework?: (berth.v1.FrameworkInfo.$Properties|null);
                    frameworkId?: (string|null);
                    $unknowns?: Uint8Array[];
                }
                type $Shape = berth.v1.SchedulerCall.Subscribe.$Properties;
            }

            interface IAccept extends berth.v1.SchedulerCall.Accept.$Properties {
            }

            class Accept {
                constructor(properties?: berth.v1.SchedulerCall.Accept.$Properties);
                $unknowns?: Uint8Array[];
                offerIds: string[];
                operations: berth.v1.Operation.$Properties[];
                filters?: (berth.v1.Filters.$Properties|null);
                static create(properties: berth.v1.SchedulerCall.Accept.$Shape): berth.v1.SchedulerCall.Accept & berth.v1.SchedulerCall.Accept.$Shape;
                static create(properties?: berth.v1.SchedulerCall.Accept.$Properties): berth.v1.SchedulerCall.Accept;
                static encode(message: berth.v1.SchedulerCall.Accept.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.SchedulerCall.Accept & berth.v1.SchedulerCall.Accept.$Shape;
                static verify(message: { [k: string]: any }): (string|null);
                static fromObject(object: { [k: string]: any }): berth.v1.SchedulerCall.Accept;
                static toObject(message: berth.v1.SchedulerCall.Accept, options?: $protobuf.IConversionOptions): { [k: string]: any };
                toJSON(): { [k: string]: any };
                static getTypeUrl(prefix?: string): string;
            }

            namespace Accept {
                interface $Properties {
                    offerIds?: (string[]|null);
                    operations?: (berth.v1.Operation.$Properties[]|null);
                    filters?: (berth.v1.Filters.$Properties|null);
                    $unknowns?: Uint8Array[];
                }
                type $Shape = berth.v1.SchedulerCall.Accept.$Properties;
            }

            interface IDecline extends berth.v1.SchedulerCall.Decline.$Properties {
            }

            class Decline {
                constructor(properties?: berth.v1.SchedulerCall.Decline.$Properties);
                $unknowns?: Uint8Array[];
                offerIds: string[];
                filters?: (berth.v1.Filters.$Properties|null);
                static create(properties: berth.v1.SchedulerCall.Decline.$Shape): berth.v1.SchedulerCall.Decline & berth.v1.SchedulerCall.Decline.$Shape;
                static create(properties?: berth.v1.SchedulerCall.Decline.$Properties): berth.v1.SchedulerCall.Decline;
                static encode(message: berth.v1.SchedulerCall.Decline.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.SchedulerCall.Decline & berth.v1.SchedulerCall.Decline.$Shape;
                static verify(message: { [k: string]: any }): (string|null);
                static fromObject(object: { [k: string]: any }): berth.v1.SchedulerCall.Decline;
                static toObject(message: berth.v1.SchedulerCall.Decline, options?: $protobuf.IConversionOptions): { [k: string]: any };
                toJSON(): { [k: string]: any };
                static getTypeUrl(prefix?: string): string;
            }

            namespace Decline {
                interface $Properties {
                    offerIds?: (string[]|null);
                    filters?: (berth.v1.Filters.$Properties|null);
                    $unknowns?: Uint8Array[];
                }
                type $Shape = berth.v1.SchedulerCall.Decline.$Properties;
            }

            interface IKill extends berth.v1.SchedulerCall.Kill.$Properties {
            }

            class Kill {
                constructor(properties?: berth.v1.SchedulerCall.Kill.$Properties);
                $unknowns?: Uint8Array[];
                taskId: string;
                agentId: string;
                gracePeriodMs: number;
                static create(properties: berth.v1.SchedulerCall.Kill.$Shape): berth.v1.SchedulerCall.Kill & berth.v1.SchedulerCall.Kill.$Shape;
                static create(properties?: berth.v1.SchedulerCall.Kill.$Properties): berth.v1.SchedulerCall.Kill;
                static encode(message: berth.v1.SchedulerCall.Kill.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.SchedulerCall.Kill & berth.v1.SchedulerCall.Kill.$Shape;
                static verify(message: { [k: string]: any }): (string|null);
                static fromObject(object: { [k: string]: any }): berth.v1.SchedulerCall.Kill;
                static toObject(message: berth.v1.SchedulerCall.Kill, options?: $protobuf.IConversionOptions): { [k: string]: any };
                toJSON(): { [k: string]: any };
                static getTypeUrl(prefix?: string): string;
            }

            namespace Kill {
                interface $Properties {
                    taskId?: (string|null);
                    agentId?: (string|null);
                    gracePeriodMs?: (number|null);
                    $unknowns?: Uint8Array[];
                }
                type $Shape = berth.v1.SchedulerCall.Kill.$Properties;
            }

            interface IAcknowledge extends berth.v1.SchedulerCall.Acknowledge.$Properties {
            }

            class Acknowledge {
                constructor(properties?: berth.v1.SchedulerCall.Acknowledge.$Properties);
                $unknowns?: Uint8Array[];
                agentId: string;
                taskId: string;
                uuid: string;
                static create(properties: berth.v1.SchedulerCall.Acknowledge.$Shape): berth.v1.SchedulerCall.Acknowledge & berth.v1.SchedulerCall.Acknowledge.$Shape;
                static create(properties?: berth.v1.SchedulerCall.Acknowledge.$Properties): berth.v1.SchedulerCall.Acknowledge;
                static encode(message: berth.v1.SchedulerCall.Acknowledge.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.SchedulerCall.Acknowledge & berth.v1.SchedulerCall.Acknowledge.$Shape;
                static verify(message: { [k: string]: any }): (string|null);
                static fromObject(object: { [k: string]: any }): berth.v1.SchedulerCall.Acknowledge;
                static toObject(message: berth.v1.SchedulerCall.Acknowledge, options?: $protobuf.IConversionOptions): { [k: string]: any };
                toJSON(): { [k: string]: any };
                static getTypeUrl(prefix?: string): string;
            }

            namespace Acknowledge {
                interface $Properties {
                    agentId?: (string|null);
                    taskId?: (string|null);
                    uuid?: (string|null);
                    $unknowns?: Uint8Array[];
                }
                type $Shape = berth.v1.SchedulerCall.Acknowledge.$Properties;
            }

            interface IReconcile extends berth.v1.SchedulerCall.Reconcile.$Properties {
            }

            class Reconcile {
                constructor(properties?: berth.v1.SchedulerCall.Reconcile.$Properties);
                $unknowns?: Uint8Array[];
                tasks: berth.v1.SchedulerCall.Reconcile.Task.$Properties[];
                static create(properties: berth.v1.SchedulerCall.Reconcile.$Shape): berth.v1.SchedulerCall.Reconcile & berth.v1.SchedulerCall.Reconcile.$Shape;
                static create(properties?: berth.v1.SchedulerCall.Reconcile.$Properties): berth.v1.SchedulerCall.Reconcile;
                static encode(message: berth.v1.SchedulerCall.Reconcile.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.SchedulerCall.Reconcile & berth.v1.SchedulerCall.Reconcile.$Shape;
                static verify(message: { [k: string]: any }): (string|null);
                static fromObject(object: { [k: string]: any }): berth.v1.SchedulerCall.Reconcile;
                static toObject(message: berth.v1.SchedulerCall.Reconcile, options?: $protobuf.IConversionOptions): { [k: string]: any };
                toJSON(): { [k: string]: any };
                static getTypeUrl(prefix?: string): string;
            }

            namespace Reconcile {
                interface $Properties {
                    tasks?: (berth.v1.SchedulerCall.Reconcile.Task.$Properties[]|null);
                    $unknowns?: Uint8Array[];
                }
                type $Shape = berth.v1.SchedulerCall.Reconcile.$Properties;

                interface ITask extends berth.v1.SchedulerCall.Reconcile.Task.$Properties {
                }

                class Task {
                    constructor(properties?: berth.v1.SchedulerCall.Reconcile.Task.$Properties);
                    $unknowns?: Uint8Array[];
                    taskId: string;
                    agentId: string;
                    static create(properties: berth.v1.SchedulerCall.Reconcile.Task.$Shape): berth.v1.SchedulerCall.Reconcile.Task & berth.v1.SchedulerCall.Reconcile.Task.$Shape;
                    static create(properties?: berth.v1.SchedulerCall.Reconcile.Task.$Properties): berth.v1.SchedulerCall.Reconcile.Task;
                    static encode(message: berth.v1.SchedulerCall.Reconcile.Task.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
                    static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.SchedulerCall.Reconcile.Task & berth.v1.SchedulerCall.Reconcile.Task.$Shape;
                    static verify(message: { [k: string]: any }): (string|null);
                    static fromObject(object: { [k: string]: any }): berth.v1.SchedulerCall.Reconcile.Task;
                    static toObject(message: berth.v1.SchedulerCall.Reconcile.Task, options?: $protobuf.IConversionOptions): { [k: string]: any };
                    toJSON(): { [k: string]: any };
                    static getTypeUrl(prefix?: string): string;
                }

                namespace Task {
                    interface $Properties {
                        taskId?: (string|null);
                        agentId?: (string|null);
                        $unknowns?: Uint8Array[];
                    }
                    type $Shape = berth.v1.SchedulerCall.Reconcile.Task.$Properties;
                }
            }

            interface IRevive extends berth.v1.SchedulerCall.Revive.$Properties {
            }

            class Revive {
                constructor(properties?: berth.v1.SchedulerCall.Revive.$Properties);
                $unknowns?: Uint8Array[];
                roles: string[];
                static create(properties: berth.v1.SchedulerCall.Revive.$Shape): berth.v1.SchedulerCall.Revive & berth.v1.SchedulerCall.Revive.$Shape;
                static create(properties?: berth.v1.SchedulerCall.Revive.$Properties): berth.v1.SchedulerCall.Revive;
                static encode(message: berth.v1.SchedulerCall.Revive.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.SchedulerCall.Revive & berth.v1.SchedulerCall.Revive.$Shape;
                static verify(message: { [k: string]: any }): (string|null);
                static fromObject(object: { [k: string]: any }): berth.v1.SchedulerCall.Revive;
                static toObject(message: berth.v1.SchedulerCall.Revive, options?: $protobuf.IConversionOptions): { [k: string]: any };
                toJSON(): { [k: string]: any };
                static getTypeUrl(prefix?: string): string;
            }

            namespace Revive {
                interface $Properties {
                    roles?: (string[]|null);
                    $unknowns?: Uint8Array[];
                }
                type $Shape = berth.v1.SchedulerCall.Revive.$Properties;
            }

            interface ISuppress extends berth.v1.SchedulerCall.Suppress.$Properties {
            }

            class Suppress {
                constructor(properties?: berth.v1.SchedulerCall.Suppress.$Properties);
                $unknowns?: Uint8Array[];
                roles: string[];
                static create(properties: berth.v1.SchedulerCall.Suppress.$Shape): berth.v1.SchedulerCall.Suppress & berth.v1.SchedulerCall.Suppress.$Shape;
                static create(properties?: berth.v1.SchedulerCall.Suppress.$Properties): berth.v1.SchedulerCall.Suppress;
                static encode(message: berth.v1.SchedulerCall.Suppress.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.SchedulerCall.Suppress & berth.v1.SchedulerCall.Suppress.$Shape;
                static verify(message: { [k: string]: any }): (string|null);
                static fromObject(object: { [k: string]: any }): berth.v1.SchedulerCall.Suppress;
                static toObject(message: berth.v1.SchedulerCall.Suppress, options?: $protobuf.IConversionOptions): { [k: string]: any };
                toJSON(): { [k: string]: any };
                static getTypeUrl(prefix?: string): string;
            }

            namespace Suppress {
                interface $Properties {
                    roles?: (string[]|null);
                    $unknowns?: Uint8Array[];
                }
                type $Shape = berth.v1.SchedulerCall.Suppress.$Properties;
            }

            interface ITeardown extends berth.v1.SchedulerCall.Teardown.$Properties {
            }

            class Teardown {
                constructor(properties?: berth.v1.SchedulerCall.Teardown.$Properties);
                $unknowns?: Uint8Array[];
                static create(properties: berth.v1.SchedulerCall.Teardown.$Shape): berth.v1.SchedulerCall.Teardown & berth.v1.SchedulerCall.Teardown.$Shape;
                static create(properties?: berth.v1.SchedulerCall.Teardown.$Properties): berth.v1.SchedulerCall.Teardown;
                static encode(message: berth.v1.SchedulerCall.Teardown.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.SchedulerCall.Teardown & berth.v1.SchedulerCall.Teardown.$Shape;
                static verify(message: { [k: string]: any }): (string|null);
                static fromObject(object: { [k: string]: any }): berth.v1.SchedulerCall.Teardown;
                static toObject(message: berth.v1.SchedulerCall.Teardown, options?: $protobuf.IConversionOptions): { [k: string]: any };
                toJSON(): { [k: string]: any };
                static getTypeUrl(prefix?: string): string;
            }

            namespace Teardown {
                interface $Properties {
                    $unknowns?: Uint8Array[];
                }
                type $Shape = berth.v1.SchedulerCall.Teardown.$Properties;
            }

            interface IRequestGang extends berth.v1.SchedulerCall.RequestGang.$Properties {
            }

            class RequestGang {
                constructor(properties?: berth.v1.SchedulerCall.RequestGang.$Properties);
                $unknowns?: Uint8Array[];
                gangId: string;
                role: string;
                tasks: berth.v1.Resources.$Properties[];
                static create(properties: berth.v1.SchedulerCall.RequestGang.$Shape): berth.v1.SchedulerCall.RequestGang & berth.v1.SchedulerCall.RequestGang.$Shape;
                static create(properties?: berth.v1.SchedulerCall.RequestGang.$Properties): berth.v1.SchedulerCall.RequestGang;
                static encode(message: berth.v1.SchedulerCall.RequestGang.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.SchedulerCall.RequestGang & berth.v1.SchedulerCall.RequestGang.$Shape;
                static verify(message: { [k: string]: any }): (string|null);
                static fromObject(object: { [k: string]: any }): berth.v1.SchedulerCall.RequestGang;
                static toObject(message: berth.v1.SchedulerCall.RequestGang, options?: $protobuf.IConversionOptions): { [k: string]: any };
                toJSON(): { [k: string]: any };
                static getTypeUrl(prefix?: string): string;
            }

            namespace RequestGang {
                interface $Properties {
                    gangId?: (string|null);
                    role?: (string|null);
                    tasks?: (berth.v1.Resources.$Properties[]|null);
                    $unknowns?: Uint8Array[];
                }
                type $Shape = berth.v1.SchedulerCall.RequestGang.$Properties;
            }

            interface ICancelGang extends berth.v1.SchedulerCall.CancelGang.$Properties {
            }

            class CancelGang {
                constructor(properties?: berth.v1.SchedulerCall.CancelGang.$Properties);
                $unknowns?: Uint8Array[];
                gangId: string;
                static create(properties: berth.v1.SchedulerCall.CancelGang.$Shape): berth.v1.SchedulerCall.CancelGang & berth.v1.SchedulerCall.CancelGang.$Shape;
                static create(properties?: berth.v1.SchedulerCall.CancelGang.$Properties): berth.v1.SchedulerCall.CancelGang;
                static encode(message: berth.v1.SchedulerCall.CancelGang.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.SchedulerCall.CancelGang & berth.v1.SchedulerCall.CancelGang.$Shape;
                static verify(message: { [k: string]: any }): (string|null);
                static fromObject(object: { [k: string]: any }): berth.v1.SchedulerCall.CancelGang;
                static toObject(message: berth.v1.SchedulerCall.CancelGang, options?: $protobuf.IConversionOptions): { [k: string]: any };
                toJSON(): { [k: string]: any };
                static getTypeUrl(prefix?: string): string;
            }

            namespace CancelGang {
                interface $Properties {
                    gangId?: (string|null);
                    $unknowns?: Uint8Array[];
                }
                type $Shape = berth.v1.SchedulerCall.CancelGang.$Properties;
            }
        }

        interface ISchedulerEvent extends berth.v1.SchedulerEvent.$Properties {
        }

        class SchedulerEvent {
            constructor(properties?: berth.v1.SchedulerEvent.$Properties);
            $unknowns?: Uint8Array[];
            subscribed?: (berth.v1.SchedulerEvent.Subscribed.$Properties|null);
            offers?: (berth.v1.SchedulerEvent.Offers.$Properties|null);
            rescind?: (berth.v1.SchedulerEvent.Rescind.$Properties|null);
            update?: (berth.v1.SchedulerEvent.Update.$Properties|null);
            agentLost?: (berth.v1.SchedulerEvent.AgentLost.$Properties|null);
            error?: (berth.v1.Error.$Properties|null);
            agentNotice?: (berth.v1.SchedulerEvent.AgentNotice.$Properties|null);
            event?: ("subscribed"|"offers"|"rescind"|"update"|"agentLost"|"error"|"agentNotice");
            static create(properties: berth.v1.SchedulerEvent.$Shape): berth.v1.SchedulerEvent & berth.v1.SchedulerEvent.$Shape;
            static create(properties?: berth.v1.SchedulerEvent.$Properties): berth.v1.SchedulerEvent;
            static encode(message: berth.v1.SchedulerEvent.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.SchedulerEvent & berth.v1.SchedulerEvent.$Shape;
            static verify(message: { [k: string]: any }): (string|null);
            static fromObject(object: { [k: string]: any }): berth.v1.SchedulerEvent;
            static toObject(message: berth.v1.SchedulerEvent, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
            static getTypeUrl(prefix?: string): string;
        }

        namespace SchedulerEvent {
            interface $Properties {
                subscribed?: (berth.v1.SchedulerEvent.Subscribed.$Properties|null);
                offers?: (berth.v1.SchedulerEvent.Offers.$Properties|null);
                rescind?: (berth.v1.SchedulerEvent.Rescind.$Properties|null);
                update?: (berth.v1.SchedulerEvent.Update.$Properties|null);
                agentLost?: (berth.v1.SchedulerEvent.AgentLost.$Properties|null);
                error?: (berth.v1.Error.$Properties|null);
                agentNotice?: (berth.v1.SchedulerEvent.AgentNotice.$Properties|null);
                event?: ("subscribed"|"offers"|"rescind"|"update"|"agentLost"|"error"|"agentNotice");
                $unknowns?: Uint8Array[];
            }
            type $Shape = {
              subscribed?: berth.v1.SchedulerEvent.Subscribed.$Shape|null;
              offers?: berth.v1.SchedulerEvent.Offers.$Shape|null;
              rescind?: berth.v1.SchedulerEvent.Rescind.$Shape|null;
              update?: berth.v1.SchedulerEvent.Update.$Shape|null;
              agentLost?: berth.v1.SchedulerEvent.AgentLost.$Shape|null;
              error?: berth.v1.Error.$Shape|null;
              agentNotice?: berth.v1.SchedulerEvent.AgentNotice.$Shape|null;
              $unknowns?: Uint8Array[];
            } & (
              ({ event?: undefined; subscribed?: null; offers?: null; rescind?: null; update?: null; agentLost?: null; error?: null; agentNotice?: null }|{ event?: "subscribed"; subscribed: berth.v1.SchedulerEvent.Subscribed.$Shape; offers?: null; rescind?: null; update?: null; agentLost?: null; error?: null; agentNotice?: null }|{ event?: "offers"; subscribed?: null; offers: berth.v1.SchedulerEvent.Offers.$Shape; rescind?: null; update?: null; agentLost?: null; error?: null; agentNotice?: null }|{ event?: "rescind"; subscribed?: null; offers?: null; rescind: berth.v1.SchedulerEvent.Rescind.$Shape; update?: null; agentLost?: null; error?: null; agentNotice?: null }|{ event?: "update"; subscribed?: null; offers?: null; rescind?: null; update: berth.v1.SchedulerEvent.Update.$Shape; agentLost?: null; error?: null; agentNotice?: null }|{ event?: "agentLost"; subscribed?: null; offers?: null; rescind?: null; update?: null; agentLost: berth.v1.SchedulerEvent.AgentLost.$Shape; error?: null; agentNotice?: null }|{ event?: "error"; subscribed?: null; offers?: null; rescind?: null; update?: null; agentLost?: null; error: berth.v1.Error.$Shape; agentNotice?: null }|{ event?: "agentNotice"; subscribed?: null; offers?: null; rescind?: null; update?: null; agentLost?: null; error?: null; agentNotice: berth.v1.SchedulerEvent.AgentNotice.$Shape })
            );

            interface ISubscribed extends berth.v1.SchedulerEvent.Subscribed.$Properties {
            }

            class Subscribed {
                constructor(properties?: berth.v1.SchedulerEvent.Subscribed.$Properties);
                $unknowns?: Uint8Array[];
                frameworkId: string;
                heartbeatIntervalMs: number;
                masterId: string;
                static create(properties: berth.v1.SchedulerEvent.Subscribed.$Shape): berth.v1.SchedulerEvent.Subscribed & berth.v1.SchedulerEvent.Subscribed.$Shape;
                static create(properties?: berth.v1.SchedulerEvent.Subscribed.$Properties): berth.v1.SchedulerEvent.Subscribed;
                static encode(message: berth.v1.SchedulerEvent.Subscribed.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.SchedulerEvent.Subscribed & berth.v1.SchedulerEvent.Subscribed.$Shape;
                static verify(message: { [k: string]: any }): (string|null);
                static fromObject(object: { [k: string]: any }): berth.v1.SchedulerEvent.Subscribed;
                static toObject(message: berth.v1.SchedulerEvent.Subscribed, options?: $protobuf.IConversionOptions): { [k: string]: any };
                toJSON(): { [k: string]: any };
                static getTypeUrl(prefix?: string): string;
            }

            namespace Subscribed {
                interface $Properties {
                    frameworkId?: (string|null);
                    heartbeatIntervalMs?: (number|null);
                    masterId?: (string|null);
                    $unknowns?: Uint8Array[];
                }
                type $Shape = berth.v1.SchedulerEvent.Subscribed.$Properties;
            }

            interface IOffers extends berth.v1.SchedulerEvent.Offers.$Properties {
            }

            class Offers {
                constructor(properties?: berth.v1.SchedulerEvent.Offers.$Properties);
                $unknowns?: Uint8Array[];
                offers: berth.v1.Offer.$Properties[];
                static create(properties: berth.v1.SchedulerEvent.Offers.$Shape): berth.v1.SchedulerEvent.Offers & berth.v1.SchedulerEvent.Offers.$Shape;
                static create(properties?: berth.v1.SchedulerEvent.Offers.$Properties): berth.v1.SchedulerEvent.Offers;
                static encode(message: berth.v1.SchedulerEvent.Offers.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.SchedulerEvent.Offers & berth.v1.SchedulerEvent.Offers.$Shape;
                static verify(message: { [k: string]: any }): (string|null);
                static fromObject(object: { [k: string]: any }): berth.v1.SchedulerEvent.Offers;
                static toObject(message: berth.v1.SchedulerEvent.Offers, options?: $protobuf.IConversionOptions): { [k: string]: any };
                toJSON(): { [k: string]: any };
                static getTypeUrl(prefix?: string): string;
            }

            namespace Offers {
                interface $Properties {
                    offers?: (berth.v1.Offer.$Properties[]|null);
                    $unknowns?: Uint8Array[];
                }
                type $Shape = berth.v1.SchedulerEvent.Offers.$Properties;
            }

            interface IRescind extends berth.v1.SchedulerEvent.Rescind.$Properties {
            }

            class Rescind {
                constructor(properties?: berth.v1.SchedulerEvent.Rescind.$Properties);
                $unknowns?: Uint8Array[];
                offerId: string;
                static create(properties: berth.v1.SchedulerEvent.Rescind.$Shape): berth.v1.SchedulerEvent.Rescind & berth.v1.SchedulerEvent.Rescind.$Shape;
                static create(properties?: berth.v1.SchedulerEvent.Rescind.$Properties): berth.v1.SchedulerEvent.Rescind;
                static encode(message: berth.v1.SchedulerEvent.Rescind.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.SchedulerEvent.Rescind & berth.v1.SchedulerEvent.Rescind.$Shape;
                static verify(message: { [k: string]: any }): (string|null);
                static fromObject(object: { [k: string]: any }): berth.v1.SchedulerEvent.Rescind;
                static toObject(message: berth.v1.SchedulerEvent.Rescind, options?: $protobuf.IConversionOptions): { [k: string]: any };
                toJSON(): { [k: string]: any };
                static getTypeUrl(prefix?: string): string;
            }

            namespace Rescind {
                interface $Properties {
                    offerId?: (string|null);
                    $unknowns?: Uint8Array[];
                }
                type $Shape = berth.v1.SchedulerEvent.Rescind.$Properties;
            }

            interface IUpdate extends berth.v1.SchedulerEvent.Update.$Properties {
            }

            class Update {
                constructor(properties?: berth.v1.SchedulerEvent.Update.$Properties);
                $unknowns?: Uint8Array[];
                status?: (berth.v1.TaskStatus.$Properties|null);
                static create(properties: berth.v1.SchedulerEvent.Update.$Shape): berth.v1.SchedulerEvent.Update & berth.v1.SchedulerEvent.Update.$Shape;
                static create(properties?: berth.v1.SchedulerEvent.Update.$Properties): berth.v1.SchedulerEvent.Update;
                static encode(message: berth.v1.SchedulerEvent.Update.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.SchedulerEvent.Update & berth.v1.SchedulerEvent.Update.$Shape;
                static verify(message: { [k: string]: any }): (string|null);
                static fromObject(object: { [k: string]: any }): berth.v1.SchedulerEvent.Update;
                static toObject(message: berth.v1.SchedulerEvent.Update, options?: $protobuf.IConversionOptions): { [k: string]: any };
                toJSON(): { [k: string]: any };
                static getTypeUrl(prefix?: string): string;
            }

            namespace Update {
                interface $Properties {
                    status?: (berth.v1.TaskStatus.$Properties|null);
                    $unknowns?: Uint8Array[];
                }
                type $Shape = berth.v1.SchedulerEvent.Update.$Properties;
            }

            interface IAgentLost extends berth.v1.SchedulerEvent.AgentLost.$Properties {
            }

            class AgentLost {
                constructor(properties?: berth.v1.SchedulerEvent.AgentLost.$Properties);
                $unknowns?: Uint8Array[];
                agentId: string;
                static create(properties: berth.v1.SchedulerEvent.AgentLost.$Shape): berth.v1.SchedulerEvent.AgentLost & berth.v1.SchedulerEvent.AgentLost.$Shape;
                static create(properties?: berth.v1.SchedulerEvent.AgentLost.$Properties): berth.v1.SchedulerEvent.AgentLost;
                static encode(message: berth.v1.SchedulerEvent.AgentLost.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.SchedulerEvent.AgentLost & berth.v1.SchedulerEvent.AgentLost.$Shape;
                static verify(message: { [k: string]: any }): (string|null);
                static fromObject(object: { [k: string]: any }): berth.v1.SchedulerEvent.AgentLost;
                static toObject(message: berth.v1.SchedulerEvent.AgentLost, options?: $protobuf.IConversionOptions): { [k: string]: any };
                toJSON(): { [k: string]: any };
                static getTypeUrl(prefix?: string): string;
            }

            namespace AgentLost {
                interface $Properties {
                    agentId?: (string|null);
                    $unknowns?: Uint8Array[];
                }
                type $Shape = berth.v1.SchedulerEvent.AgentLost.$Properties;
            }

            interface IAgentNotice extends berth.v1.SchedulerEvent.AgentNotice.$Properties {
            }

            class AgentNotice {
                constructor(properties?: berth.v1.SchedulerEvent.AgentNotice.$Properties);
                $unknowns?: Uint8Array[];
                agentId: string;
                kind: berth.v1.SchedulerEvent.AgentNotice.Kind;
                deadlineMs: number;
                message: string;
                static create(properties: berth.v1.SchedulerEvent.AgentNotice.$Shape): berth.v1.SchedulerEvent.AgentNotice & berth.v1.SchedulerEvent.AgentNotice.$Shape;
                static create(properties?: berth.v1.SchedulerEvent.AgentNotice.$Properties): berth.v1.SchedulerEvent.AgentNotice;
                static encode(message: berth.v1.SchedulerEvent.AgentNotice.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.SchedulerEvent.AgentNotice & berth.v1.SchedulerEvent.AgentNotice.$Shape;
                static verify(message: { [k: string]: any }): (string|null);
                static fromObject(object: { [k: string]: any }): berth.v1.SchedulerEvent.AgentNotice;
                static toObject(message: berth.v1.SchedulerEvent.AgentNotice, options?: $protobuf.IConversionOptions): { [k: string]: any };
                toJSON(): { [k: string]: any };
                static getTypeUrl(prefix?: string): string;
            }

            namespace AgentNotice {
                interface $Properties {
                    agentId?: (string|null);
                    kind?: (berth.v1.SchedulerEvent.AgentNotice.Kind|null);
                    deadlineMs?: (number|null);
                    message?: (string|null);
                    $unknowns?: Uint8Array[];
                }
                type $Shape = berth.v1.SchedulerEvent.AgentNotice.$Properties;

                enum Kind {
                    UNKNOWN = 0,
                    DRAINING = 1,
                    UNDRAINED = 2,
                    PRESSURE = 3,
                    PRESSURE_CLEARED = 4
                }
            }
        }

        interface IEnvelope extends berth.v1.Envelope.$Properties {
        }

        class Envelope {
            constructor(properties?: berth.v1.Envelope.$Properties);
            $unknowns?: Uint8Array[];
            hello?: (berth.v1.Hello.$Properties|null);
            welcome?: (berth.v1.Welcome.$Properties|null);
            error?: (berth.v1.Error.$Properties|null);
            agentCall?: (berth.v1.AgentCall.$Properties|null);
            agentEvent?: (berth.v1.AgentEvent.$Properties|null);
            schedulerCall?: (berth.v1.SchedulerCall.$Properties|null);
            schedulerEvent?: (berth.v1.SchedulerEvent.$Properties|null);
            body?: ("hello"|"welcome"|"error"|"agentCall"|"agentEvent"|"schedulerCall"|"schedulerEvent");
            static create(properties: berth.v1.Envelope.$Shape): berth.v1.Envelope & berth.v1.Envelope.$Shape;
            static create(properties?: berth.v1.Envelope.$Properties): berth.v1.Envelope;
            static encode(message: berth.v1.Envelope.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): berth.v1.Envelope & berth.v1.Envelope.$Shape;
            static verify(message: { [k: string]: any }): (string|null);
            static fromObject(object: { [k: string]: any }): berth.v1.Envelope;
            static toObject(message: berth.v1.Envelope, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
            static getTypeUrl(prefix?: string): string;
        }

        namespace Envelope {
            interface $Properties {
                hello?: (berth.v1.Hello.$Properties|null);
                welcome?: (berth.v1.Welcome.$Properties|null);
                error?: (berth.v1.Error.$Properties|null);
                agentCall?: (berth.v1.AgentCall.$Properties|null);
                agentEvent?: (berth.v1.AgentEvent.$Properties|null);
                schedulerCall?: (berth.v1.SchedulerCall.$Properties|null);
                schedulerEvent?: (berth.v1.SchedulerEvent.$Properties|null);
                body?: ("hello"|"welcome"|"error"|"agentCall"|"agentEvent"|"schedulerCall"|"schedulerEvent");
                $unknowns?: Uint8Array[];
            }
            type $Shape = {
              hello?: berth.v1.Hello.$Shape|null;
              welcome?: berth.v1.Welcome.$Shape|null;
              error?: berth.v1.Error.$Shape|null;
              agentCall?: berth.v1.AgentCall.$Shape|null;
              agentEvent?: berth.v1.AgentEvent.$Shape|null;
              schedulerCall?: berth.v1.SchedulerCall.$Shape|null;
              schedulerEvent?: berth.v1.SchedulerEvent.$Shape|null;
              $unknowns?: Uint8Array[];
            } & (
              ({ body?: undefined; hello?: null; welcome?: null; error?: null; agentCall?: null; agentEvent?: null; schedulerCall?: null; schedulerEvent?: null }|{ body?: "hello"; hello: berth.v1.Hello.$Shape; welcome?: null; error?: null; agentCall?: null; agentEvent?: null; schedulerCall?: null; schedulerEvent?: null }|{ body?: "welcome"; hello?: null; welcome: berth.v1.Welcome.$Shape; error?: null; agentCall?: null; agentEvent?: null; schedulerCall?: null; schedulerEvent?: null }|{ body?: "error"; hello?: null; welcome?: null; error: berth.v1.Error.$Shape; agentCall?: null; agentEvent?: null; schedulerCall?: null; schedulerEvent?: null }|{ body?: "agentCall"; hello?: null; welcome?: null; error?: null; agentCall: berth.v1.AgentCall.$Shape; agentEvent?: null; schedulerCall?: null; schedulerEvent?: null }|{ body?: "agentEvent"; hello?: null; welcome?: null; error?: null; agentCall?: null; agentEvent: berth.v1.AgentEvent.$Shape; schedulerCall?: null; schedulerEvent?: null }|{ body?: "schedulerCall"; hello?: null; welcome?: null; error?: null; agentCall?: null; agentEvent?: null; schedulerCall: berth.v1.SchedulerCall.$Shape; schedulerEvent?: null }|{ body?: "schedulerEvent"; hello?: null; welcome?: null; error?: null; agentCall?: null; agentEvent?: null; schedulerCall?: null; schedulerEvent: berth.v1.SchedulerEvent.$Shape })
            );
        }
    }
}
