package dev.sandbox4j.langchain4j;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A chat model that answers from a script instead of a network: each request is answered by the next step, a
 * function of the request (so a step can read the tool result the previous step asked for). Records every request.
 * Runs out of steps with an {@link IllegalStateException}, so a conversation that asks more than expected fails.
 */
final class ScriptedChatModel implements ChatModel {
    private final Deque<Function<ChatRequest, AiMessage>> steps = new ArrayDeque<>();
    private final List<ChatRequest> requests = new ArrayList<>();
    private final AtomicInteger ids = new AtomicInteger();

    /** Adds a step that asks for one tool call with these JSON arguments. */
    ScriptedChatModel callTool(String name, String argumentsJson) {
        steps.add(request -> AiMessage.from(ToolExecutionRequest.builder()
                .id("call-" + ids.incrementAndGet())
                .name(name)
                .arguments(argumentsJson)
                .build()));
        return this;
    }

    /** Adds a step that answers with fixed text. */
    ScriptedChatModel reply(String text) {
        steps.add(request -> AiMessage.from(text));
        return this;
    }

    /** Adds a step that answers with text made from the last tool result. */
    ScriptedChatModel answer(Function<ToolExecutionResultMessage, String> fromLastToolResult) {
        steps.add(request -> AiMessage.from(fromLastToolResult.apply(lastToolResult(request))));
        return this;
    }

    @Override
    public synchronized ChatResponse doChat(ChatRequest request) {
        requests.add(request);
        Function<ChatRequest, AiMessage> step = steps.poll();
        if (step == null) {
            throw new IllegalStateException("script exhausted after " + requests.size() + " requests");
        }
        return ChatResponse.builder().aiMessage(step.apply(request)).build();
    }

    synchronized List<ChatRequest> requests() {
        return List.copyOf(requests);
    }

    synchronized int remainingSteps() {
        return steps.size();
    }

    static ToolExecutionResultMessage lastToolResult(ChatRequest request) {
        List<ChatMessage> messages = request.messages();
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i) instanceof ToolExecutionResultMessage m) {
                return m;
            }
        }
        throw new IllegalStateException("no tool result in the request: " + messages);
    }
}
